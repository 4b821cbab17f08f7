#!/usr/bin/env python3
"""Turns real-world captures from ../shared/corpus into fake-apiserver scenarios, so the describe
text can be compared with kubectl's on pods and nodes nobody here wrote: the support bundle of a
kURL cluster (sbctl's test data: pods, nodes and events) and a Kind cluster captured by Sonobuoy.

usage: corpus_scenarios.py CORPUS_DIR OUT_DIR  -- prints the path of each scenario it wrote."""
import glob
import json
import os
import sys


def items(path):
    with open(path) as f:
        doc = json.load(f)
    if isinstance(doc, dict) and "items" in doc:
        return doc["items"] or []
    return doc if isinstance(doc, list) else [doc]


def scenario(name, sources):
    objects = {}
    for kind, pattern in sources:
        for path in sorted(glob.glob(pattern)):
            for obj in items(path):
                if not isinstance(obj, dict) or "name" not in obj.get("metadata", {}):
                    continue
                obj = dict(obj, kind=obj.get("kind", kind), apiVersion=obj.get("apiVersion", "v1"))
                md = obj["metadata"]
                # Captures drop what a List's items need not carry; the fake needs them.
                md.setdefault("uid", f"{kind}-{md.get('namespace', '')}-{md['name']}")
                md.setdefault("resourceVersion", "1")
                md.setdefault("creationTimestamp", "2021-01-01T00:00:00Z")
                objects[(kind, md.get("namespace", ""), md["name"])] = obj
    for ns in sorted({key[1] for key in objects if key[1]}):
        objects[("Namespace", "", ns)] = {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "uid": "ns-" + ns, "resourceVersion": "1",
                         "creationTimestamp": "2021-01-01T00:00:00Z"}}
    return {"name": name, "cluster": name,
            "serverVersion": {"major": "1", "minor": "32", "gitVersion": "v1.32.2",
                              "platform": "linux/amd64"},
            "objects": list(objects.values()), "logs": [], "jaeger": []}


def write_all(corpus, out, report_set=False):
    """Writes each scenario into `out`; returns their paths. report_set adds troubleshoot's
    analyzer fixtures (one namespace per failure), used by the report test only."""
    sbctl = os.path.join(corpus, "sbctl/tests/support-bundle/cluster-resources")
    sonobuoy = os.path.join(corpus, "sonobuoy/pkg/discovery/testdata/healthsummary/resources")
    troubleshoot = os.path.join(corpus, "troubleshoot/pkg/analyze/files")
    wanted = {
        "corpus-sbctl": [("Pod", sbctl + "/pods/*.json"), ("Node", sbctl + "/nodes.json"),
                         ("Event", sbctl + "/events/*.json")],
        "corpus-sonobuoy": [("Pod", sonobuoy + "/ns/*/core_v1_pods.json"),
                            ("Node", sonobuoy + "/cluster/core_v1_nodes.json")],
    }
    if report_set:
        wanted["corpus-troubleshoot"] = [
            ("Pod", troubleshoot + "/pods/message-*.json"),
            ("Event", troubleshoot + "/events/*.json"), ("Node", troubleshoot + "/nodes.json")]
    paths = []
    for name, sources in wanted.items():
        sc = scenario(name, sources)
        if not any(o["kind"] == "Pod" for o in sc["objects"]):
            sys.exit(f"{name}: no pods found under {corpus}")
        path = os.path.join(out, name + ".json")
        with open(path, "w") as f:
            json.dump(sc, f)
        paths.append(path)
    return paths


def main():
    for path in write_all(sys.argv[1], sys.argv[2]):
        print(path)


if __name__ == "__main__":
    main()
