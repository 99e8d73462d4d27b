#!/usr/bin/python3
"""Renders both overlays with `kubectl kustomize` and checks the objects
(run by ./scripts/test): every service has a Deployment, a Service and a
PodDisruptionBudget; every container has gRPC-health readiness and liveness
probes, resource requests and limits, runs as non-root on a read-only root
filesystem without privilege escalation; the demo keeps data on volumes and
generates its secrets; production mounts TLS for every service, requires
client certificates on the services, runs ≥ 2 gateway replicas sharing a
PostgreSQL audit log and ≥ 2 replicas of every other service, each on a
PostgreSQL database of its own, with no data on volumes.
    deploy/k8s/check.py [KUBECTL]
"""
import pathlib
import subprocess
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
KUBECTL = sys.argv[1] if len(sys.argv) > 1 else "kubectl"
SERVICES = {"registry": 7401, "quota": 7402, "reporting": 7403, "gateway": 7400}
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def render(overlay):
    out = subprocess.run([KUBECTL, "kustomize", str(HERE / "overlays" / overlay)],
                         check=True, capture_output=True, text=True).stdout
    objects = [o for o in yaml.safe_load_all(out) if o]
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def env_of(container):
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def check_common(overlay, objects):
    for name, port in SERVICES.items():
        full = f"chitieu-{name}"
        deployment = objects.get(("Deployment", full))
        check(deployment is not None, f"{overlay}: Deployment {full}")
        check(("Service", full) in objects, f"{overlay}: Service {full}")
        check(("PodDisruptionBudget", full) in objects, f"{overlay}: PodDisruptionBudget {full}")
        if deployment is None:
            continue
        pod = deployment["spec"]["template"]["spec"]
        check(pod["securityContext"].get("runAsNonRoot") is True, f"{overlay}/{name}: runAsNonRoot")
        for c in pod["containers"]:
            where = f"{overlay}/{name}/{c['name']}"
            sc = c.get("securityContext", {})
            check(sc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem")
            check(sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation")
            check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: drop ALL")
            res = c.get("resources", {})
            for kind in ("requests", "limits"):
                check({"cpu", "memory"} <= set(res.get(kind, {})), f"{where}: resources.{kind}")
            for probe in ("readinessProbe", "livenessProbe"):
                p = c.get(probe, {})
                grpc_probe = p.get("grpc", {}).get("port") == port
                exec_probe = "chitieu-probe" in " ".join(p.get("exec", {}).get("command", []))
                check(grpc_probe or exec_probe, f"{where}: {probe} through grpc.health.v1")
            env = env_of(c)
            check(env.get("CHITIEU_LISTEN") == f"0.0.0.0:{port}", f"{where}: CHITIEU_LISTEN")
            check(any(e["name"] == "CHITIEU_SERVICE_SECRET" and "secretKeyRef" in e.get("valueFrom", {})
                      for e in c.get("env", [])), f"{where}: service secret from a Secret")
            check(any(e["name"] == "CHITIEU_PAGE_TOKEN_KEY" and "secretKeyRef" in e.get("valueFrom", {})
                      for e in c.get("env", [])), f"{where}: page-token key from a Secret")


def main():
    demo = render("demo")
    check_common("demo", demo)
    for name in SERVICES:
        pod = demo[("Deployment", f"chitieu-{name}")]["spec"]["template"]["spec"]
        data = next(v for v in pod["volumes"] if v["name"] == "data")
        check(data.get("persistentVolumeClaim", {}).get("claimName") == f"chitieu-{name}-data"
              and "emptyDir" not in data, f"demo/{name}: data on its PersistentVolumeClaim")
        check(("PersistentVolumeClaim", f"chitieu-{name}-data") in demo, f"demo: PVC of {name}")
    secrets = [n for (k, n) in demo if k == "Secret"]
    check(any(n.startswith("chitieu-service-secret") for n in secrets), "demo: service secret")
    check(any(n.startswith("chitieu-api-keys") for n in secrets), "demo: API keys")

    production = render("production")
    check_common("production", production)
    check(production[("Deployment", "chitieu-gateway")]["spec"]["replicas"] >= 2,
          "production: ≥ 2 gateway replicas")
    gateway_env = production[("Deployment", "chitieu-gateway")]["spec"]["template"]["spec"]["containers"][0]["env"]
    check(any(e["name"] == "CHITIEU_DATABASE_URL" and "secretKeyRef" in e.get("valueFrom", {})
              for e in gateway_env), "production: the gateway replicas share a PostgreSQL audit log")
    for name in ("registry", "quota", "reporting"):
        spec = production[("Deployment", f"chitieu-{name}")]["spec"]
        env = spec["template"]["spec"]["containers"][0]["env"]
        check(spec["replicas"] >= 2 and any(
            e["name"] == "CHITIEU_DATABASE_URL" and
            e.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == f"chitieu-{name}-database"
            for e in env), f"production: {name} replicas share a PostgreSQL database of its own")
        check(not any("persistentVolumeClaim" in v for v in spec["template"]["spec"].get("volumes", [])),
              f"production: {name} keeps no data on a volume")
    reporting_env = production[("Deployment", "chitieu-reporting")]["spec"]["template"]["spec"]["containers"][0]["env"]
    check(any(e["name"] == "CHITIEU_APPROVALS_DATABASE_URL" and
              e.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == "chitieu-approvals-database"
              for e in reporting_env),
          "production: reporting's approvals in a PostgreSQL database of their own")
    check(not any(k == "PersistentVolumeClaim" for (k, _) in production),
          "production: no PersistentVolumeClaim")
    check(production[("PodDisruptionBudget", "chitieu-gateway")]["spec"].get("minAvailable", 0) >= 1,
          "production: gateway PDB keeps replicas up")
    for name in SERVICES:
        pod = production[("Deployment", f"chitieu-{name}")]["spec"]["template"]["spec"]
        env = env_of(pod["containers"][0])
        check(env.get("CHITIEU_TLS_CERT") and env.get("CHITIEU_PEER_CA"), f"production/{name}: TLS")
        check(any(v.get("secret", {}).get("secretName") == f"chitieu-{name}-tls" for v in pod["volumes"]),
              f"production/{name}: TLS secret mounted")
        if name != "gateway":
            check(env.get("CHITIEU_TLS_CLIENT_CA"), f"production/{name}: mTLS required")

    if failures:
        print("\n".join("FAIL " + f for f in failures))
        sys.exit(1)
    print(f"kustomize overlays OK: demo {len(demo)} objects, production {len(production)} objects")


if __name__ == "__main__":
    main()
