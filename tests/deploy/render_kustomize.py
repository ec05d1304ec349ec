#!/usr/bin/env python3
"""Render a kustomization directory as `kubectl kustomize DIR` does, for the
subset of kustomize that deploy/kubernetes uses, so the tests can check the
manifests on a machine without kubectl. Anything outside that subset (a
kustomization key, a generator option, a patch directive, a list it does not
know how to merge) is an error, never silently ignored: a renderer that
skipped a field would let the tests pass on objects a cluster never sees.

Supported: resources (files and directories), namespace, labels (pairs,
includeTemplates), configMapGenerator / secretGenerator (files, literals,
type, options.disableNameSuffixHash; the name hash as kustomize computes it,
and references to the generated names in pod templates), patches (path or
inline patch; a JSON 6902 list or a strategic merge patch; target by
group/version/kind/name, or the patch's own kind and name).

Usage: render_kustomize.py DIR   prints the objects as a YAML stream.
"""

import base64
import copy
import hashlib
import json
import os
import sys

import yaml


class KustomizeError(Exception):
    pass


KUSTOMIZATION_KEYS = {
    "apiVersion", "kind", "resources", "namespace", "labels",
    "configMapGenerator", "secretGenerator", "patches",
}
GENERATOR_KEYS = {"name", "files", "literals", "type", "options"}
GENERATOR_OPTION_KEYS = {"disableNameSuffixHash"}
LABEL_KEYS = {"pairs", "includeTemplates", "includeSelectors"}
PATCH_KEYS = {"path", "patch", "target"}
TARGET_KEYS = {"group", "version", "kind", "name", "namespace"}

# Kinds without a namespace (the ones a kustomization like ours could hold).
CLUSTER_SCOPED_KINDS = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
}

# Strategic merge: lists of objects merged element by element on this key
# (the patchMergeKey of the Kubernetes API types). Any other list of objects
# in a patch is refused rather than guessed.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}


def fail(message):
    raise KustomizeError(message)


def check_keys(what, mapping, allowed):
    if not isinstance(mapping, dict):
        fail(f"{what}: expected a mapping, got {type(mapping).__name__}")
    unknown = set(mapping) - allowed
    if unknown:
        fail(f"{what}: unsupported key(s) {sorted(unknown)}")


def load_yaml_stream(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def find_kustomization(directory):
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    fail(f"{directory}: no kustomization.yaml")


def object_id(obj):
    meta = obj.get("metadata", {})
    return f'{obj.get("kind")}/{meta.get("name")}'


# --- generators -------------------------------------------------------------

def go_json(value):
    """json.Marshal of Go: sorted keys, no spaces, <, > and & escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def name_hash(obj):
    """kustomize's hasher: sha256 of a JSON encoding of kind, data (and a
    secret's type), the first 10 hex digits with 0 1 3 a e swapped for
    letters (so the suffix never looks like a number). kustomize 5 hashes the
    object before it is named: "name" is always empty."""
    if obj["kind"] == "ConfigMap":
        encoded = {"kind": "ConfigMap", "name": "", "data": obj.get("data", {})}
    else:
        encoded = {"kind": "Secret", "type": obj.get("type", ""), "name": "", "data": obj.get("data", {})}
    digest = hashlib.sha256(go_json(encoded).encode("utf-8")).hexdigest()
    return digest[:10].translate(str.maketrans("013ae", "ghkmt"))


def generator_entries(directory, gen, what):
    entries = {}
    for spec in gen.get("files", []):
        key, sep, path = spec.partition("=")
        if not sep:
            key, path = os.path.basename(spec), spec
        with open(os.path.join(directory, path), "rb") as f:
            content = f.read()
        if key in entries:
            fail(f"{what}: key {key!r} given twice")
        entries[key] = content
    for spec in gen.get("literals", []):
        key, sep, value = spec.partition("=")
        if not sep:
            fail(f"{what}: literal {spec!r} is not KEY=VALUE")
        if key in entries:
            fail(f"{what}: key {key!r} given twice")
        entries[key] = value.encode("utf-8")
    return entries


def generate(directory, kind, gen):
    what = f"{kind} generator {gen.get('name')!r}"
    check_keys(what, gen, GENERATOR_KEYS)
    options = gen.get("options", {})
    check_keys(f"{what} options", options, GENERATOR_OPTION_KEYS)
    if kind == "ConfigMap" and "type" in gen:
        fail(f"{what}: type is for secrets")
    entries = generator_entries(directory, gen, what)
    obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": gen["name"]}}
    if kind == "ConfigMap":
        try:
            obj["data"] = {k: v.decode("utf-8") for k, v in entries.items()}
        except UnicodeDecodeError:
            fail(f"{what}: binary data is not supported")
    else:
        obj["type"] = gen.get("type", "Opaque")
        obj["data"] = {k: base64.b64encode(v).decode("ascii") for k, v in entries.items()}
    hashed = not options.get("disableNameSuffixHash", False)
    return obj, hashed


# --- patches ----------------------------------------------------------------

def json_pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        fail(f"JSON pointer {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def pointer_parent(doc, tokens, path):
    node = doc
    for t in tokens[:-1]:
        node = pointer_step(node, t, path)
    return node, tokens[-1]


def pointer_step(node, token, path):
    if isinstance(node, dict):
        if token not in node:
            fail(f"JSON patch: {path!r} does not exist")
        return node[token]
    if isinstance(node, list):
        index = list_index(node, token, path, allow_end=False)
        return node[index]
    fail(f"JSON patch: {path!r} goes through a scalar")


def list_index(node, token, path, allow_end):
    if token == "-" and allow_end:
        return len(node)
    if not token.isdigit():
        fail(f"JSON patch: {token!r} in {path!r} is not a list index")
    index = int(token)
    if index > len(node) or (index == len(node) and not allow_end):
        fail(f"JSON patch: index {index} out of range in {path!r}")
    return index


def pointer_get(doc, path):
    node = doc
    for t in json_pointer(path):
        node = pointer_step(node, t, path)
    return node


def pointer_remove(doc, path):
    parent, last = pointer_parent(doc, json_pointer(path), path)
    if isinstance(parent, dict):
        if last not in parent:
            fail(f"JSON patch remove: {path!r} does not exist")
        return parent.pop(last)
    return parent.pop(list_index(parent, last, path, allow_end=False))


def pointer_add(doc, path, value):
    parent, last = pointer_parent(doc, json_pointer(path), path)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(list_index(parent, last, path, allow_end=True), value)
    else:
        fail(f"JSON patch add: parent of {path!r} is a scalar")


def apply_json6902(obj, operations):
    for op in operations:
        kind = op.get("op")
        path = op.get("path")
        if kind == "add":
            pointer_add(obj, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            pointer_remove(obj, path)
        elif kind == "replace":
            pointer_remove(obj, path)
            pointer_add(obj, path, copy.deepcopy(op["value"]))
        elif kind == "move":
            pointer_add(obj, path, pointer_remove(obj, op["from"]))
        elif kind == "copy":
            pointer_add(obj, path, copy.deepcopy(pointer_get(obj, op["from"])))
        elif kind == "test":
            if pointer_get(obj, path) != op["value"]:
                fail(f"JSON patch test failed: {path!r} is not {op['value']!r}")
        else:
            fail(f"JSON patch: unsupported op {kind!r}")


def strategic_merge(base, patch, field="<root>"):
    """The strategic merge patch subset: mappings merge, null deletes a key,
    lists of objects merge on their MERGE_KEYS key (with `$patch: delete` for
    an element), lists of scalars are replaced. Other directives fail."""
    if isinstance(patch, dict):
        directive = patch.get("$patch")
        if directive is not None or any(k.startswith("$") for k in patch):
            fail(f"strategic merge: directive {sorted(k for k in patch if k.startswith('$'))} "
                 f"at {field!r} is not supported")
        if not isinstance(base, dict):
            return copy.deepcopy(patch)
        merged = dict(base)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = strategic_merge(merged[key], value, key)
            else:
                merged[key] = strip_nulls(copy.deepcopy(value), key)
        return merged
    if isinstance(patch, list):
        if not any(isinstance(e, dict) for e in patch):
            return copy.deepcopy(patch)
        return merge_object_list(base if isinstance(base, list) else [], patch, field)
    return copy.deepcopy(patch)


def strip_nulls(value, field):
    if isinstance(value, dict):
        if any(k.startswith("$") for k in value):
            fail(f"strategic merge: directive in new element at {field!r} is not supported")
        return {k: strip_nulls(v, k) for k, v in value.items() if v is not None}
    return value


def merge_object_list(base, patch, field):
    """Merges by the list's key as kustomize (kyaml) does, and in its order
    (checked against `kubectl kustomize`): the patch's elements first, in the
    patch's order, each merged into the base's element of the same key, then
    the base's elements the patch does not name, in the base's order."""
    key = MERGE_KEYS.get(field)
    if key is None:
        fail(f"strategic merge: list {field!r} has no known merge key")
    by_key = {e.get(key): e for e in base}
    named = set()
    merged = []
    for element in patch:
        if not isinstance(element, dict) or key not in element:
            fail(f"strategic merge: element of {field!r} without {key!r}")
        element = dict(element)
        delete = element.pop("$patch", None)
        if delete not in (None, "delete"):
            fail(f"strategic merge: $patch: {delete} in {field!r} is not supported")
        named.add(element[key])
        if delete:
            continue
        if element[key] in by_key:
            merged.append(strategic_merge(copy.deepcopy(by_key[element[key]]), element, field))
        else:
            merged.append(strip_nulls(copy.deepcopy(element), field))
    return merged + [copy.deepcopy(e) for e in base if e.get(key) not in named]


def target_matches(target, obj):
    group, _, version = obj.get("apiVersion", "").rpartition("/")
    checks = {
        "group": group, "version": version, "kind": obj.get("kind"),
        "name": obj.get("metadata", {}).get("name"),
        "namespace": obj.get("metadata", {}).get("namespace"),
    }
    return all(checks[k] == v for k, v in target.items())


def apply_patch(directory, objects, spec):
    check_keys("patch", spec, PATCH_KEYS)
    if ("path" in spec) == ("patch" in spec):
        fail("patch: give exactly one of path and patch")
    if "path" in spec:
        docs = load_yaml_stream(os.path.join(directory, spec["path"]))
    else:
        docs = [d for d in yaml.safe_load_all(spec["patch"]) if d is not None]
    if len(docs) != 1:
        fail(f"patch {spec.get('path', '<inline>')}: expected one document, got {len(docs)}")
    body = docs[0]
    target = spec.get("target")
    if target is not None:
        check_keys("patch target", target, TARGET_KEYS)
    elif isinstance(body, dict):
        target = {"kind": body.get("kind"), "name": body.get("metadata", {}).get("name")}
    else:
        fail("a JSON 6902 patch needs a target")
    hits = [i for i, o in enumerate(objects) if target_matches(target, o)]
    if not hits:
        fail(f"patch {spec.get('path', '<inline>')}: no object matches {target}")
    for i in hits:
        if isinstance(body, list):
            apply_json6902(objects[i], body)
        else:
            objects[i] = strategic_merge(objects[i], body)


# --- transformers -----------------------------------------------------------

def apply_labels(objects, entry):
    check_keys("labels entry", entry, LABEL_KEYS)
    if entry.get("includeSelectors", False):
        fail("labels: includeSelectors is not supported (selectors are immutable on a Deployment)")
    pairs = entry.get("pairs", {})
    for obj in objects:
        obj.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        template = obj.get("spec", {}).get("template") if entry.get("includeTemplates") else None
        if isinstance(template, dict):
            template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)


def pod_specs(obj):
    spec = obj.get("spec", {})
    if obj.get("kind") == "Pod":
        yield spec
    elif isinstance(spec.get("template"), dict):
        yield spec["template"].get("spec", {})
    elif obj.get("kind") == "CronJob":
        yield spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})


def rename_references(objects, renamed):
    """Point pod templates at generated names, as kustomize's name reference
    transformer does for volumes, env and envFrom."""
    def fix(holder, field, kind):
        if isinstance(holder, dict) and (kind, holder.get(field)) in renamed:
            holder[field] = renamed[(kind, holder[field])]

    for obj in objects:
        for pod in pod_specs(obj):
            for volume in pod.get("volumes", []):
                fix(volume.get("configMap"), "name", "ConfigMap")
                fix(volume.get("secret"), "secretName", "Secret")
                for source in volume.get("projected", {}).get("sources", []):
                    fix(source.get("configMap"), "name", "ConfigMap")
                    fix(source.get("secret"), "name", "Secret")
            for container in pod.get("initContainers", []) + pod.get("containers", []):
                for env in container.get("env", []):
                    value_from = env.get("valueFrom", {})
                    fix(value_from.get("configMapKeyRef"), "name", "ConfigMap")
                    fix(value_from.get("secretKeyRef"), "name", "Secret")
                for env_from in container.get("envFrom", []):
                    fix(env_from.get("configMapRef"), "name", "ConfigMap")
                    fix(env_from.get("secretRef"), "name", "Secret")


# --- the kustomization ------------------------------------------------------

def render(directory):
    """The objects `kubectl kustomize directory` would print, in order of
    appearance (resources, then generated objects)."""
    path = find_kustomization(directory)
    docs = load_yaml_stream(path)
    if len(docs) != 1:
        fail(f"{path}: expected one document")
    k = docs[0]
    check_keys(path, k, KUSTOMIZATION_KEYS)
    if k.get("kind", "Kustomization") != "Kustomization":
        fail(f"{path}: kind {k['kind']!r} is not supported")

    objects = []
    for resource in k.get("resources", []):
        full = os.path.normpath(os.path.join(directory, resource))
        objects.extend(render(full) if os.path.isdir(full) else load_yaml_stream(full))

    generated = []
    for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for gen in k.get(key, []):
            generated.append(generate(directory, kind, gen))
    objects.extend(obj for obj, _ in generated)

    for spec in k.get("patches", []):
        apply_patch(directory, objects, spec)

    if "namespace" in k:
        for obj in objects:
            if obj.get("kind") not in CLUSTER_SCOPED_KINDS:
                obj.setdefault("metadata", {})["namespace"] = k["namespace"]
    for entry in k.get("labels", []):
        apply_labels(objects, entry)

    renamed = {}
    for obj, hashed in generated:
        if hashed:
            name = obj["metadata"]["name"]
            obj["metadata"]["name"] = f"{name}-{name_hash(obj)}"
            renamed[(obj["kind"], name)] = obj["metadata"]["name"]
    rename_references(objects, renamed)

    seen = set()
    for obj in objects:
        key = (object_id(obj), obj.get("metadata", {}).get("namespace"))
        if key in seen:
            fail(f"{path}: {key[0]} appears twice")
        seen.add(key)
    return objects


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        objects = render(argv[1])
    except (KustomizeError, OSError, yaml.YAMLError) as e:
        print(f"render_kustomize: {e}", file=sys.stderr)
        return 1
    yaml.safe_dump_all(objects, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
