"""Benchmark: road network build + a 5,000-origin x 500-facility travel matrix over OSM roads.

A synthetic city is written as a real .osm.pbf (a street grid with arterials, one-way streets
and maxspeed tags; >= 100,000 directed edges), then timed through the product's path:
``build_network`` (read with libosmium, speeds, one-way, strongly connected component) and
``times_between`` (snap + many-to-many Dijkstra pruned at the cutoff). Baseline in the same run:
networkx's single-source Dijkstra loop (one call per facility, with the same cutoff) over the
same graph, timed on a sample of facilities and scaled to all of them.

    python bench/travel.py [--grid 240] [--origins 5000] [--facilities 500] [--cutoff 60]

The machine is shared: wall and CPU time are both printed, with the load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pyproj  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from supply.osm import build_network  # noqa: E402
from supply.osm.times import snap, times_between  # noqa: E402

CRS = "EPSG:32650"
ORIGIN = (440_000.0, 4_420_000.0)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def write_grid(path: Path, n: int, spacing: float, seed: int) -> None:
    """An n x n street grid: every 8th street an arterial (primary, maxspeed 60), every 3rd of the
    others one-way (alternating), the rest residential; node ids row-major."""
    import osmium

    rng = np.random.default_rng(seed)
    to_ll = pyproj.Transformer.from_crs(CRS, 4326, always_xy=True)
    xs = ORIGIN[0] + np.arange(n) * spacing
    ys = ORIGIN[1] + np.arange(n) * spacing
    gx, gy = np.meshgrid(xs, ys)  # row i = y index
    jitter = rng.uniform(-spacing * 0.15, spacing * 0.15, size=(2, n, n))
    lon, lat = to_ll.transform((gx + jitter[0]).ravel(), (gy + jitter[1]).ravel())
    way_id = 1
    with osmium.SimpleWriter(str(path), overwrite=True) as w:
        for k in range(n * n):
            w.add_node(osmium.osm.mutable.Node(id=k + 1, location=(lon[k], lat[k]), tags={}))
        for horizontal in (True, False):
            for i in range(n):
                refs = (
                    [i * n + j + 1 for j in range(n)]
                    if horizontal
                    else [j * n + i + 1 for j in range(n)]
                )
                if i % 8 == 0:
                    tags = {"highway": "primary", "maxspeed": "60"}
                elif i % 3 == 0:
                    tags = {"highway": "tertiary", "oneway": "yes" if i % 2 else "-1"}
                else:
                    tags = {"highway": "residential"}
                w.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
                way_id += 1


def networkx_loop(net, sources, cutoff: float, sample: int) -> tuple[float, float, int]:
    """Seconds (wall, CPU) of networkx's single-source Dijkstra from `sample` sources."""
    import networkx as nx

    coo = net.graph.T.tocoo()  # reversed graph: distances *to* each facility
    g = nx.DiGraph()
    g.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    w0, c0 = time.perf_counter(), time.process_time()
    reached = 0
    for s in sources[:sample]:
        reached += len(nx.single_source_dijkstra_path_length(g, int(s), cutoff=cutoff))
    return time.perf_counter() - w0, time.process_time() - c0, reached


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=240, help="streets per side")
    ap.add_argument("--spacing", type=float, default=100.0, help="metres between streets")
    ap.add_argument("--origins", type=int, default=5000)
    ap.add_argument("--facilities", type=int, default=500)
    ap.add_argument("--cutoff", type=float, default=60.0, help="minutes")
    ap.add_argument("--nx-sample", type=int, default=20, help="facilities timed with networkx")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    print(
        f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
        f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        pbf = Path(tmp) / "grid.osm.pbf"
        write_grid(pbf, args.grid, args.spacing, args.seed)
        print(
            f"synthetic extract: {args.grid}x{args.grid} streets, {pbf.stat().st_size / 1e6:.1f}"
            f" MB, peak memory so far {peak_mb():.0f} MB"
        )

        w0, c0 = time.perf_counter(), time.process_time()
        net = build_network(pbf, "drive", crs=CRS)
        build_wall, build_cpu = time.perf_counter() - w0, time.process_time() - c0
        for line in net.report.lines():
            print("  " + line)

    rng = np.random.default_rng(args.seed)
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    a_xy = rng.uniform(lo, hi, size=(args.origins, 2))
    f_xy = rng.uniform(lo, hi, size=(args.facilities, 2))
    w0, c0 = time.perf_counter(), time.process_time()
    origins = snap(net, a_xy, np.array([f"A{i}" for i in range(len(a_xy))], dtype=object))
    dests = snap(net, f_xy, np.array([f"F{i}" for i in range(len(f_xy))], dtype=object))
    pairs = times_between(net, origins, dests, args.cutoff)
    matrix_wall, matrix_cpu = time.perf_counter() - w0, time.process_time() - c0
    ours_peak = peak_mb()

    f_nodes = np.unique(dests.node[dests.ok])
    nx_wall, nx_cpu, _ = networkx_loop(net, f_nodes, args.cutoff, args.nx_sample)
    scale = len(f_nodes) / min(args.nx_sample, len(f_nodes))

    print(f"network: {net.report.nodes:,} nodes, {net.report.edges:,} directed edges")
    print(
        f"matrix: {args.origins:,} origins x {args.facilities:,} facilities, cutoff "
        f"{args.cutoff:g} min -> {len(pairs):,} pairs within it "
        f"({len(pairs) / (args.origins * args.facilities):.1%} of all)"
    )
    print(f"{'step':<44}{'wall s':>9}{'CPU s':>9}")
    print(f"{'network build (read + speeds + SCC)':<44}{build_wall:>9.2f}{build_cpu:>9.2f}")
    print(f"{'snap + many-to-many (scipy csgraph)':<44}{matrix_wall:>9.2f}{matrix_cpu:>9.2f}")
    total_wall, total_cpu = build_wall + matrix_wall, build_cpu + matrix_cpu
    print(
        f"{'civicalloc total':<44}{total_wall:>9.2f}{total_cpu:>9.2f}"
        f"   {'under' if total_wall < 60 else 'OVER'} 60 s"
    )
    print(
        f"{f'networkx loop, {min(args.nx_sample, len(f_nodes))} sources':<44}"
        f"{nx_wall:>9.2f}{nx_cpu:>9.2f}"
    )
    print(
        f"{f'networkx loop scaled to {len(f_nodes)} sources':<44}"
        f"{nx_wall * scale:>9.2f}{nx_cpu * scale:>9.2f}"
    )
    print(f"matrix speed-up over networkx (CPU): {nx_cpu * scale / max(matrix_cpu, 1e-9):.1f}x")
    print(f"peak memory: {ours_peak:.0f} MB after our matrix, {peak_mb():.0f} MB with networkx")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
