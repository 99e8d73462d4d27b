#!/usr/bin/python3
"""Turns the rendered demo overlay into what `podman kube play` (podman 4.3,
Debian 12) can run on one machine without a cluster, changing only what
podman's Kubernetes support does not cover (run by ./scripts/containers):

- Services and PodDisruptionBudgets: ignored by kube play, so the pods share
  the host's network (hostNetwork) and find each other on 127.0.0.1, each on
  a port of its own (CHITIEU_LISTEN and the peers' *_ADDR);
- containerPorts are dropped: podman refuses port mappings with the host's
  network ("PortMappings can only be used with Bridge or slirp4netns");
- each Deployment becomes the Pod of its template (one replica in the demo);
- images are the ones ./scripts/containers built (localhost/chitieu/<svc>,
  imagePullPolicy Never: no registry is reachable);
- gRPC probes are not supported: they become exec probes running
  chitieu-probe, which checks CHITIEU_LISTEN's port. podman makes the
  liveness probe the container's health check (in place of the image's),
  with a 1 s timeout unless the probe sets one: it gets 3 s, as the images'
  HEALTHCHECK has. podman ignores readiness probes. With no systemd here
  nothing runs the health check on a timer, so the script runs it
  (`podman healthcheck run`);
- the Secrets: their values are set inline and the key file is mounted from
  the host. podman 4.3 does read Secret objects, but fails on a Secret
  volume that does not say `optional`, and the demo's generated names would
  stay in podman's secret store after the run;
- an emptyDir becomes a named volume shared by every pod naming it alike
  (podman 4.3): each pod's gets a name of its own;
- fsGroup is not applied: the data volumes take the image's ownership of
  /var/lib/chitieu instead (podman copies it into an empty named volume).
Everything else is kept as rendered: the securityContext (non-root, read-
only root filesystem, no privilege escalation, dropped capabilities), the
resources, the data volumes' claims (renamed with the prefix, so that the
script removes them), the emptyDir for /tmp.

  CHITIEU_SERVICE_SECRET=S CHITIEU_PAGE_TOKEN_KEY=K podman_play.py IN.yaml OUT.yaml
      --tag=T --ports=REG,QUO,REP,GW,HTTP --metrics=REG,QUO,REP,GW --api_keys=FILE
      --name_prefix=P
(the secrets in the environment, not the command line, which others may
read; OUT.yaml holds them and is written 0600).
"""
import argparse
import os
import sys

import yaml

SERVICES = ["registry", "quota", "reporting", "gateway"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--tag", required=True)
    p.add_argument("--ports", required=True)
    p.add_argument("--metrics", required=True)
    p.add_argument("--api_keys", required=True)
    p.add_argument("--name_prefix", required=True)
    a = p.parse_args()
    ports = dict(zip(SERVICES + ["http"], a.ports.split(",")))
    metrics = dict(zip(SERVICES, a.metrics.split(",")))
    with open(a.input) as f:
        objects = [o for o in yaml.safe_load_all(f) if o]

    claims = {}
    out = []
    for o in objects:
        if o["kind"] != "Deployment":
            continue
        svc = o["metadata"]["name"].removeprefix("chitieu-")
        spec = o["spec"]["template"]["spec"]
        spec["hostNetwork"] = True
        for c in spec["containers"]:
            c["image"] = f"localhost/chitieu/{svc}:{a.tag}"
            c["imagePullPolicy"] = "Never"
            # With the host's network a port is the process's own: podman
            # refuses port mappings there.
            c.pop("ports", None)
            env = []
            for e in c.get("env", []):
                name = e["name"]
                value = e.get("value")
                if name == "CHITIEU_LISTEN":
                    value = f"127.0.0.1:{ports[svc]}"
                elif name == "CHITIEU_METRICS_LISTEN":
                    value = f"127.0.0.1:{metrics[svc]}"
                elif name == "CHITIEU_HTTP_LISTEN":
                    value = f"127.0.0.1:{ports['http']}"
                elif name.endswith("_ADDR") and name.removeprefix("CHITIEU_").removesuffix(
                        "_ADDR").lower() in SERVICES:
                    peer = name.removeprefix("CHITIEU_").removesuffix("_ADDR").lower()
                    value = f"127.0.0.1:{ports[peer]}"
                elif "valueFrom" in e:
                    key = e["valueFrom"]["secretKeyRef"]["key"]
                    value = {"secret": os.environ["CHITIEU_SERVICE_SECRET"],
                             "page_token_key": os.environ["CHITIEU_PAGE_TOKEN_KEY"]}[key]
                env.append({"name": name, "value": value})
            c["env"] = env
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if probe in c:
                    kept = {k: v for k, v in c[probe].items() if k != "grpc"}
                    kept["exec"] = {"command": ["/usr/local/bin/chitieu-probe", "--wait_ms=1500"]}
                    kept["timeoutSeconds"] = 3
                    c[probe] = kept
        volumes = []
        for v in spec.get("volumes", []):
            if "secret" in v:
                volumes.append({"name": v["name"],
                                "hostPath": {"path": a.api_keys, "type": "File"}})
                for c in spec["containers"]:
                    for m in c.get("volumeMounts", []):
                        if m["name"] == v["name"]:
                            m["mountPath"] = m["mountPath"].rstrip("/") + "/api-keys"
            elif "persistentVolumeClaim" in v:
                claim = f"{a.name_prefix}{v['persistentVolumeClaim']['claimName']}"
                v["persistentVolumeClaim"]["claimName"] = claim
                claims[claim] = True
                volumes.append(v)
            elif "emptyDir" in v:
                # podman 4.3 makes an emptyDir a named volume of the
                # volume's name, shared by every pod that names it alike:
                # each pod gets its own name.
                own = f"{a.name_prefix}{svc}-{v['name']}"
                for c in spec["containers"]:
                    for m in c.get("volumeMounts", []):
                        if m["name"] == v["name"]:
                            m["name"] = own
                volumes.append({**v, "name": own})
            else:
                volumes.append(v)
        spec["volumes"] = volumes
        out.append({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": f"{a.name_prefix}{svc}",
                                 "labels": o["spec"]["template"]["metadata"]["labels"]},
                    "spec": spec})
    if sorted(p["metadata"]["name"].removeprefix(a.name_prefix) for p in out) != sorted(SERVICES):
        sys.exit(f"podman_play.py: expected a Deployment per service, got {[p['metadata']['name'] for p in out]}")
    pvcs = [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
             "spec": {"accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": "1Gi"}}}} for name in claims]
    with open(os.open(a.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        yaml.safe_dump_all(pvcs + out, f, sort_keys=False)


if __name__ == "__main__":
    main()
