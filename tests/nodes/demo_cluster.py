#!/usr/bin/env python3
"""A real two-node Kind-like cluster for ci/demo.sh: boots it on the first engine that can run
nodes here, writes `--ready FILE` (shell lines: the engine's env for kind-must-gather and
KMG_DEMO_ENGINE), and holds the cluster until SIGTERM, then removes it. When no engine can run
nodes, FILE holds `KMG_DEMO_SKIP='reason'` and the exit code is 77."""
import argparse
import os
import shlex
import signal
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engines  # noqa: E402


def write_ready(path, values):
    with open(path + ".tmp", "w") as f:
        for k, v in values.items():
            f.write(f"{k}={shlex.quote(v)}\n")
    os.rename(path + ".tmp", path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--engines", default="docker,podman")
    p.add_argument("--name", required=True)
    p.add_argument("--fake-apiserver", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--ready", required=True)
    a = p.parse_args()
    cache = engines.node_cache()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    reasons = []
    for name in a.engines.split(","):
        engine = None
        try:
            engine = (engines.Docker if name == "docker" else engines.Podman)(cache)
            image = engines.build_image(engine, a.source, a.fake_apiserver)
            cluster = engines.Cluster(engine, image, a.name)
            for node in cluster.nodes:
                cluster.load_image(node, "/kind/images/loaded.tar")
                cluster.load_image(node, "/kind/images/broken.tar")  # the failed `kind load`
        except (engines.Skip, RuntimeError) as e:
            reasons.append(f"{name}: {e}")
            if engine:
                engine.close()
            continue
        write_ready(a.ready, dict(engine.tool_env(), KMG_DEMO_ENGINE=name,
                                  KMG_DEMO_NODES=" ".join(cluster.nodes)))
        try:
            while not stop.wait(1):
                pass
        finally:
            engine.close()
        return 0
    write_ready(a.ready, {"KMG_DEMO_SKIP": "; ".join(reasons)})
    return 77


if __name__ == "__main__":
    sys.exit(main())
