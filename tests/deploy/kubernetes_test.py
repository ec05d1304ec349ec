#!/usr/bin/env python3
"""deploy/kubernetes: renders the base and the classic-sidecar and
unix-socket overlays (with render_kustomize.py; also with `kubectl kustomize` when it is installed, and
requires both to agree) and checks on the rendered objects what the README
promises: the proxy as a native sidecar (or first container in the overlay),
its listener on loopback and its admin port on the pod IP behind the probes,
the credentials as files of a Secret volume without subPath, the hardened
securityContext, no service account token, resources, the PodMonitor and a
NetworkPolicy that lets out only HTTPS and DNS. With --binary, the config the
ConfigMap carries is loaded by `litmus-proxy --check-config`.

Usage: kubernetes_test.py [--binary build/litmus-proxy] [unittest args]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import render_kustomize  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
BASE = os.path.join(REPO, "deploy", "kubernetes", "base")
CLASSIC = os.path.join(REPO, "deploy", "kubernetes", "overlays", "classic-sidecar")
UNIX_SOCKET = os.path.join(REPO, "deploy", "kubernetes", "overlays", "unix-socket")
PROXY = "litmus-proxy"
CONFIG_MOUNT = "/etc/litmus-proxy"
CONFIG_FILE = CONFIG_MOUNT + "/config.yaml"
BINARY = None  # set from --binary


def seconds(text):
    """A litmus-proxy duration ("25s", "500ms", "2m", "1h" or a number)."""
    text = str(text)
    for suffix, factor in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * factor
    return int(text)


class rendered:
    """The objects of one kustomization, with lookups the checks share."""

    def __init__(self, directory):
        self.objects = render_kustomize.render(directory)

    def one(self, kind, name=None):
        hits = [o for o in self.objects
                if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
        if len(hits) != 1:
            raise AssertionError(f"expected one {kind} {name or ''}, found {len(hits)}")
        return hits[0]

    @property
    def deployment(self):
        return self.one("Deployment", "example-app")

    @property
    def pod(self):
        return self.deployment["spec"]["template"]["spec"]

    @property
    def pod_labels(self):
        return self.deployment["spec"]["template"]["metadata"]["labels"]

    def all_containers(self):
        return self.pod.get("initContainers", []) + self.pod["containers"]

    @property
    def proxy(self):
        hits = [c for c in self.all_containers() if c["name"] == PROXY]
        if len(hits) != 1:
            raise AssertionError(f"expected one {PROXY} container, found {len(hits)}")
        return hits[0]

    def volume(self, name):
        hits = [v for v in self.pod.get("volumes", []) if v["name"] == name]
        if len(hits) != 1:
            raise AssertionError(f"expected one volume {name}, found {len(hits)}")
        return hits[0]

    def mount_of(self, container, path):
        hits = [m for m in container.get("volumeMounts", []) if m["mountPath"] == path]
        if len(hits) != 1:
            raise AssertionError(f"{container['name']}: expected one mount at {path}, found {len(hits)}")
        return hits[0]

    @property
    def config_text(self):
        """The proxy's config.yaml, followed from its --config argument
        through the volume mount and the volume to the rendered ConfigMap."""
        args = self.proxy.get("args", [])
        assert args[args.index("--config") + 1] == CONFIG_FILE, args
        volume = self.volume(self.mount_of(self.proxy, CONFIG_MOUNT)["name"])
        config_map = self.one("ConfigMap", volume["configMap"]["name"])
        return config_map["data"]["config.yaml"]

    @property
    def config(self):
        return yaml.safe_load(self.config_text)

    def admin_port(self):
        ports = [p for p in self.proxy["ports"] if p.get("name") == "litmus-admin"]
        assert len(ports) == 1, self.proxy["ports"]
        return ports[0]


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


class common_checks:
    """What holds in the base and in the overlay alike; `directory` names
    the kustomization."""

    @classmethod
    def setUpClass(cls):
        cls.r = rendered(cls.directory)

    def test_proxy_listener_is_loopback_and_admin_on_the_pod_ip(self):
        config = self.r.config
        host, _, port = config["listen"].rpartition(":")
        self.assertEqual(host, "127.0.0.1", "the proxy listener must stay on loopback")
        self.assertEqual(port, "8080")
        admin_host, _, admin_port = config["admin"]["listen"].rpartition(":")
        self.assertEqual(admin_host, "0.0.0.0", "probes and Prometheus come from the pod IP")
        self.assertEqual(int(admin_port), self.r.admin_port()["containerPort"])
        self.assertNotIn(8080, [p["containerPort"] for p in self.r.proxy["ports"]],
                         "the proxy port is not a pod port")
        for name in ("LITMUS_API_BASE_URL", "LITMUS_INSTANT_API_BASE_URL"):
            value = next(e["value"] for c in self.r.pod["containers"] for e in c.get("env", [])
                         if e["name"] == name)
            self.assertTrue(value.startswith("http://127.0.0.1:8080/"), value)

    def test_probes_hit_the_admin_port(self):
        admin = self.r.admin_port()
        expected = {"startupProbe": "/readyz", "readinessProbe": "/readyz", "livenessProbe": "/healthz"}
        for probe, path in expected.items():
            get = self.r.proxy[probe]["httpGet"]
            self.assertEqual(get["path"], path, probe)
            self.assertIn(get["port"], (admin["name"], admin["containerPort"]), probe)
            self.assertNotIn("host", get, f"{probe} must go to the pod IP")

    def test_credentials_are_files_of_a_secret_volume(self):
        credentials = self.r.config["credentials"]
        self.assertNotIn("client_id", credentials)
        self.assertNotIn("client_secret", credentials)
        directory = os.path.dirname(credentials["client_id_file"])
        self.assertEqual(os.path.dirname(credentials["client_secret_file"]), directory)
        self.assertGreater(seconds(credentials.get("watch_interval", "1s")), 0,
                           "rotation needs the file watch")
        mount = self.r.mount_of(self.r.proxy, directory)
        self.assertTrue(mount.get("readOnly"))
        for container in self.r.all_containers():
            for m in container.get("volumeMounts", []):
                self.assertNotIn("subPath", m, "a subPath mount is never updated on rotation")
                self.assertNotIn("subPathExpr", m)
        secret_volume = self.r.volume(mount["name"])["secret"]
        self.assertEqual(secret_volume["defaultMode"], 0o440)
        self.assertNotIn("items", secret_volume)
        secret = self.r.one("Secret", secret_volume["secretName"])
        self.assertEqual(secret_volume["secretName"], "litmus-proxy-credentials",
                         "the Secret keeps its name so that rotation updates it in place")
        self.assertEqual(set(secret["data"]), {os.path.basename(credentials["client_id_file"]),
                                               os.path.basename(credentials["client_secret_file"])})
        pod_context = self.r.pod["securityContext"]
        self.assertIsInstance(pod_context.get("fsGroup"), int, "0440 files are read through fsGroup")
        self.assertEqual(pod_context["fsGroup"],
                         self.r.proxy["securityContext"].get("runAsGroup", pod_context.get("runAsGroup")))
        for container in self.r.all_containers():
            for e in container.get("env", []):
                self.assertNotIn("secretKeyRef", e.get("valueFrom", {}), "credentials as files only")

    def test_every_container_is_hardened(self):
        pod_context = self.r.pod["securityContext"]
        self.assertEqual(pod_context.get("seccompProfile"), {"type": "RuntimeDefault"})
        self.assertIs(pod_context.get("runAsNonRoot"), True)
        for container in self.r.all_containers():
            with self.subTest(container=container["name"]):
                context = container["securityContext"]
                effective = {**pod_context, **context}
                self.assertIs(effective.get("runAsNonRoot"), True)
                self.assertIsInstance(effective.get("runAsUser"), int, "a numeric user")
                self.assertGreater(effective["runAsUser"], 0)
                self.assertIs(context.get("readOnlyRootFilesystem"), True)
                self.assertIs(context.get("allowPrivilegeEscalation"), False)
                self.assertEqual(context.get("capabilities"), {"drop": ["ALL"]})
                self.assertEqual(effective.get("seccompProfile"), {"type": "RuntimeDefault"})
                self.assertNotIn("privileged", context)

    def test_no_service_account_token(self):
        self.assertIs(self.r.pod.get("automountServiceAccountToken"), False)

    def test_proxy_has_requests_and_limits(self):
        resources = self.r.proxy["resources"]
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                self.assertIn(resource, resources.get(kind, {}), f"{kind}.{resource}")
        mib = lambda q: int(q.removesuffix("Mi"))  # noqa: E731
        self.assertLessEqual(mib(resources["requests"]["memory"]), mib(resources["limits"]["memory"]))

    def test_pod_monitor_scrapes_the_admin_port(self):
        monitor = self.r.one("PodMonitor")
        self.assertEqual(monitor["apiVersion"], "monitoring.coreos.com/v1")
        self.assertTrue(matches(monitor["spec"]["selector"]["matchLabels"], self.r.pod_labels))
        endpoints = monitor["spec"]["podMetricsEndpoints"]
        self.assertEqual(len(endpoints), 1)
        self.assertEqual(endpoints[0]["port"], self.r.admin_port()["name"])
        self.assertEqual(endpoints[0]["path"], "/metrics")

    def test_network_policy_allows_only_https_and_dns_out(self):
        policy = self.r.one("NetworkPolicy")
        spec = policy["spec"]
        self.assertTrue(matches(spec["podSelector"]["matchLabels"], self.r.pod_labels))
        self.assertEqual(set(spec["policyTypes"]), {"Ingress", "Egress"})

        def ports(rules):
            found = set()
            for rule in rules:
                self.assertIn("ports", rule, "a rule without ports opens every port")
                found |= {(p.get("protocol", "TCP"), p["port"]) for p in rule["ports"]}
                self.assertFalse(any("endPort" in p for p in rule["ports"]))
            return found

        self.assertEqual(ports(spec["egress"]), {("TCP", 443), ("UDP", 53), ("TCP", 53)})
        app_ports = {p["containerPort"] for c in self.r.pod["containers"] if c["name"] != PROXY
                     for p in c.get("ports", [])}
        self.assertEqual(ports(spec["ingress"]),
                         {("TCP", self.r.admin_port()["containerPort"])} | {("TCP", p) for p in app_ports})

    def test_grace_period_covers_the_drain(self):
        drain = seconds(self.r.config.get("downstream", {}).get("drain_timeout", "25s"))
        pre_stop = self.r.proxy.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
        delay = int(pre_stop[-1]) if pre_stop else 0
        self.assertGreater(self.r.pod["terminationGracePeriodSeconds"], delay + drain)

    def test_every_object_is_in_the_namespace(self):
        for obj in self.r.objects:
            self.assertEqual(obj["metadata"].get("namespace"), "litmus-example", obj["kind"])

    @unittest.skipUnless(shutil.which("kubectl"), "kubectl not installed")
    def test_kubectl_kustomize_renders_the_same(self):
        out = subprocess.run(["kubectl", "kustomize", self.directory], check=True,
                             capture_output=True, text=True, timeout=60).stdout
        theirs = [o for o in yaml.safe_load_all(out) if o is not None]
        key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
        self.assertEqual(sorted(self.r.objects, key=key), sorted(theirs, key=key))

    def test_config_loads_in_the_proxy(self):
        """litmus-proxy --check-config on the ConfigMap's config, with the
        secret mount directory replaced by one holding dummy files."""
        if not BINARY:
            self.skipTest("no --binary given")
        credentials = self.r.config["credentials"]
        directory = os.path.dirname(credentials["client_id_file"])
        with tempfile.TemporaryDirectory() as tmp:
            secrets = os.path.join(tmp, "secrets")
            os.mkdir(secrets)
            for path in (credentials["client_id_file"], credentials["client_secret_file"]):
                with open(os.path.join(secrets, os.path.basename(path)), "w") as f:
                    f.write("dummy\n")
                os.chmod(os.path.join(secrets, os.path.basename(path)), 0o400)
            config = os.path.join(tmp, "config.yaml")
            with open(config, "w") as f:
                f.write(self.r.config_text.replace(directory + "/", secrets + "/"))
            env = {k: v for k, v in os.environ.items() if not k.startswith("LITMUS_")}
            done = subprocess.run([BINARY, "--check-config", "--config", config], env=env,
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(done.returncode, 0, done.stderr)


class base_test(common_checks, unittest.TestCase):
    directory = BASE

    def test_proxy_is_a_native_sidecar(self):
        init = self.r.pod["initContainers"]
        self.assertEqual(init[0]["name"], PROXY, "the first init container, before anything else")
        self.assertEqual(init[0].get("restartPolicy"), "Always")
        self.assertNotIn(PROXY, [c["name"] for c in self.r.pod["containers"]])
        self.assertIn("startupProbe", init[0], "the app starts once the proxy holds a token")

    def test_config_change_rolls_out_through_a_hashed_name(self):
        volume = self.r.volume(self.r.mount_of(self.r.proxy, CONFIG_MOUNT)["name"])
        self.assertRegex(volume["configMap"]["name"], r"^litmus-proxy-config-[a-z0-9]{10}$")


class classic_sidecar_test(common_checks, unittest.TestCase):
    directory = CLASSIC

    def test_proxy_is_the_first_ordinary_container(self):
        self.assertNotIn("initContainers", self.r.pod)
        proxy = self.r.pod["containers"][0]
        self.assertEqual(proxy["name"], PROXY)
        self.assertNotIn("restartPolicy", proxy, "restartPolicy is for init containers only")
        self.assertEqual(len(self.r.pod["containers"]), 2)

    def test_proxy_keeps_serving_while_the_app_stops(self):
        command = self.r.proxy["lifecycle"]["preStop"]["exec"]["command"]
        self.assertEqual(command[0], "/bin/sleep")
        self.assertGreater(int(command[1]), 0)

    def test_same_proxy_container_as_the_base(self):
        base_proxy = dict(rendered(BASE).proxy)
        base_proxy.pop("restartPolicy")
        proxy = dict(self.r.proxy)
        proxy.pop("lifecycle")
        self.assertEqual(proxy, base_proxy)


class unix_socket_test(common_checks, unittest.TestCase):
    directory = UNIX_SOCKET
    socket = "/run/litmus-proxy/proxy.sock"

    def env_of(self, container):
        return {e["name"]: e.get("value") for e in container.get("env", [])}

    def test_proxy_listener_is_loopback_and_admin_on_the_pod_ip(self):
        """Replaces the loopback check: the proxy listens on a socket in an
        in-memory emptyDir that only the proxy and the app mount; admin
        stays on the pod IP."""
        self.assertEqual(self.env_of(self.r.proxy)["LITMUS_PROXY_LISTEN"], "unix:" + self.socket)
        directory = os.path.dirname(self.socket)
        volume_name = self.r.mount_of(self.r.proxy, directory)["name"]
        self.assertEqual(self.r.volume(volume_name)["emptyDir"].get("medium"), "Memory")
        mounted_by = sorted(c["name"] for c in self.r.all_containers()
                            if any(m["name"] == volume_name for m in c.get("volumeMounts", [])))
        self.assertEqual(mounted_by, ["app", PROXY])
        app = next(c for c in self.r.pod["containers"] if c["name"] == "app")
        self.assertEqual(self.env_of(app)["LITMUS_PROXY_SOCKET"], self.socket)
        for name in ("LITMUS_API_BASE_URL", "LITMUS_INSTANT_API_BASE_URL"):
            self.assertTrue(self.env_of(app)[name].startswith("http://localhost/"), name)
        # The socket's 0660 lets the app in only as the proxy's user or group.
        proxy_user = self.r.proxy["securityContext"]["runAsUser"]
        self.assertEqual(app["securityContext"]["runAsUser"], proxy_user)
        admin_host, _, _ = self.r.config["admin"]["listen"].rpartition(":")
        self.assertEqual(admin_host, "0.0.0.0")

    def test_proxy_is_still_a_native_sidecar(self):
        self.assertEqual(self.r.pod["initContainers"][0]["name"], PROXY)
        self.assertEqual(self.r.pod["initContainers"][0].get("restartPolicy"), "Always")


class renderer_test(unittest.TestCase):
    """The renderer refuses what it does not implement rather than skip it."""

    def render_with(self, kustomization, files=None):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "kustomization.yaml"), "w") as f:
                f.write(kustomization)
            for name, text in (files or {}).items():
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(text)
            return render_kustomize.render(tmp)

    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i}]\n"

    def test_unknown_kustomization_key_fails(self):
        with self.assertRaisesRegex(render_kustomize.KustomizeError, "commonLabels"):
            self.render_with("resources: [pod.yaml]\ncommonLabels: {a: b}\n", {"pod.yaml": self.pod})

    def test_unknown_patch_directive_fails(self):
        patch = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  $retainKeys: [containers]\n"
        with self.assertRaisesRegex(render_kustomize.KustomizeError, "retainKeys"):
            self.render_with("resources: [pod.yaml]\npatches: [{path: patch.yaml}]\n",
                             {"pod.yaml": self.pod, "patch.yaml": patch})

    def test_list_without_merge_key_fails(self):
        patch = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  tolerations: [{key: k}]\n"
        with self.assertRaisesRegex(render_kustomize.KustomizeError, "tolerations"):
            self.render_with("resources: [pod.yaml]\npatches: [{path: patch.yaml}]\n",
                             {"pod.yaml": self.pod + "  tolerations: [{key: j}]\n", "patch.yaml": patch})

    def test_failed_json_patch_test_fails(self):
        patch = "- {op: test, path: /spec/containers/0/name, value: other}\n"
        with self.assertRaisesRegex(render_kustomize.KustomizeError, "test failed"):
            self.render_with("resources: [pod.yaml]\npatches:\n  - path: patch.yaml\n"
                             "    target: {kind: Pod, name: p}\n",
                             {"pod.yaml": self.pod, "patch.yaml": patch})

    def test_strategic_merge_orders_lists_as_kustomize(self):
        """The order `kubectl kustomize` gives (kyaml): the patch's
        elements first, in its order, then the rest of the base."""
        pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
               "  containers: [{name: a, image: i}, {name: b, image: i}, {name: e, image: i}]\n")
        patch = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                 "  containers: [{name: new, image: j}, {name: b, args: [x]}]\n")
        out = self.render_with("resources: [pod.yaml]\npatches: [{path: patch.yaml}]\n",
                               {"pod.yaml": pod, "patch.yaml": patch})[0]
        self.assertEqual([c["name"] for c in out["spec"]["containers"]], ["new", "b", "a", "e"])
        self.assertEqual(out["spec"]["containers"][1], {"name": "b", "image": "i", "args": ["x"]})

    def test_strategic_merge_merges_containers_by_name(self):
        patch = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                 "  containers: [{name: c, args: [x]}, {name: d, image: j}]\n")
        pod = self.render_with("resources: [pod.yaml]\npatches: [{path: patch.yaml}]\n",
                               {"pod.yaml": self.pod, "patch.yaml": patch})[0]
        self.assertEqual(pod["spec"]["containers"],
                         [{"name": "c", "image": "i", "args": ["x"]}, {"name": "d", "image": "j"}])


def main():
    global BINARY
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--binary")
    args, rest = parser.parse_known_args()
    BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
