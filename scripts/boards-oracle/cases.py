"""Builds sample inputs for every generator from its JSON Schema (required only; everything set)
and a provider result carrying every shape the generators read."""
import json, sys
gens = json.load(open(sys.argv[1]))
ART = {"ImageArtifact": ("png", {"width": 1024, "height": 768}), "VideoArtifact": ("mp4", {"width": 1280, "height": 720, "duration": 5.0, "fps": 24.0}),
       "AudioArtifact": ("mp3", {"duration": 12.5}), "TextArtifact": ("txt", {"content": "hello"})}

def artifact(kind, field, i):
    fmt, extra = ART[kind]
    return {"generation_id": f"gen-{field}-{i}", "storage_url": f"https://store.test/{field}-{i}.{fmt}", "format": fmt, **extra}

def ref_name(s): return s["$ref"].split("/")[-1] if "$ref" in s else None

def sample(s, field, defs, full, depth=0):
    """A valid value for schema s (None when it cannot pick one)."""
    if "anyOf" in s:
        for alt in s["anyOf"]:
            if alt.get("type") != "null":
                return sample(alt, field, defs, full, depth)
        return None
    r = ref_name(s)
    if r in ART: return artifact(r, field, 0)
    if r:
        return sample(defs[r], field, defs, full, depth + 1)
    if "enum" in s: return s["enum"][-1] if full else s["enum"][0]
    if "const" in s: return s["const"]
    t = s.get("type")
    if t == "array":
        it = s.get("items", {}); ir = ref_name(it)
        n = max(s.get("minItems", 1), 2 if full else 1)
        n = min(n, s.get("maxItems", n))
        if ir in ART: return [artifact(ir, field, i) for i in range(n)]
        v = sample(it, field, defs, full, depth)
        return [v] * n
    if t == "object":
        props = s.get("properties", {})
        o = {}
        for k, ps in props.items():
            if k in s.get("required", []) or full:
                v = sample(ps, k, defs, full, depth + 1)
                if v is not None: o[k] = v
        return o
    if t == "string":
        if "pattern" in s: return None
        if s.get("format") == "uri": return "https://example.test/file"
        return f"sample {field} text"
    if t in ("integer", "number"):
        lo = s.get("minimum", s.get("exclusiveMinimum", 0) + (1 if t == "integer" else 0.5) if "exclusiveMinimum" in s else 1)
        hi = s.get("maximum", lo + 10)
        if "default" in s and s["default"] is not None and not full: return s["default"]
        v = hi if full else lo
        return int(v) if t == "integer" else v
    if t == "boolean": return not s.get("default", False) if full else s.get("default", False)
    return None

def inputs_for(schema, full):
    defs = schema.get("$defs", {})
    o = {}
    for k, ps in schema["properties"].items():
        if k in schema.get("required", []) or full:
            v = sample(ps, k, defs, full)
            if v is None and k in schema.get("required", []) and "default" in ps: continue
            if v is not None: o[k] = v
    return o

def falsy(s, defs):
    """A valid falsy value for s (Python's sense), or None when the schema allows none."""
    if "anyOf" in s:
        return "NULL" if any(a.get("type") == "null" for a in s["anyOf"]) else None
    if "const" in s:
        return s["const"] if not s["const"] else None
    if "enum" in s:
        for v in s["enum"]:
            if not v: return v
        return None
    t = s.get("type")
    if t == "string" and not s.get("minLength") and "pattern" not in s and "format" not in s: return ""
    if t in ("integer", "number"):
        lo = s.get("minimum", s.get("exclusiveMinimum", -1) + 1e-9 if "exclusiveMinimum" in s else None)
        hi = s.get("maximum")
        if (lo is None or lo <= 0) and (hi is None or hi >= 0): return 0
        return None
    if t == "boolean": return False
    if t == "array" and not s.get("minItems"): return []
    return None

def falsy_inputs(schema):
    """Required fields as in the required-only set; every optional field falsy where it can be."""
    o = inputs_for(schema, False)
    for k, ps in schema["properties"].items():
        if k in schema.get("required", []): continue
        v = falsy(ps, schema.get("$defs", {}))
        if v is None: continue
        o[k] = None if v == "NULL" else v
    return o

def out_of_bounds(schema):
    """The required-only set with one value Boards must reject: past a maximum, outside an enum,
    or, failing those, a required field left out."""
    o = inputs_for(schema, False)
    for k, ps in schema["properties"].items():
        if ps.get("type") in ("integer", "number") and "maximum" in ps:
            o[k] = ps["maximum"] + 1; return o
        if ps.get("type") == "string" and "enum" in ps:
            o[k] = "not-one-of-" + "-".join(map(str, ps["enum"])); return o
    o.pop(schema["required"][0]); return o

def img(i, ct): return {"url": f"https://cdn.test/images-{i}.png", "width": 800 + i, "height": 600 + i, "content_type": ct}
FAL = {"images": [img(0, "image/jpeg"), img(1, "image/jpeg")], "image": {"url": "https://cdn.test/image.webp", "width": 900, "height": 700, "content_type": "image/webp"},
       "video": {"url": "https://cdn.test/video.mp4", "width": 1920, "height": 1080, "duration": 8.0, "fps": 30, "content_type": "video/mp4"},
       "audio": {"url": "https://cdn.test/audio.wav", "content_type": "audio/wav", "duration": 3.5}, "duration": 6.0, "seed": 7, "description": "ok"}
KIE = {"state": "success", "successFlag": 1, "status": "SUCCESS", "callbackType": "complete",
       "resultJson": json.dumps({"resultUrls": ["https://cdn.test/kie-0.mp4", "https://cdn.test/kie-1.mp4"]}),
       "response": {"sunoData": [{"audioUrl": "https://cdn.test/suno-0.mp3", "duration": 30.5}, {"audioUrl": "https://cdn.test/suno-1.mp3", "duration": 31.0}],
                    "resultVideoUrl": "https://cdn.test/aleph.mp4", "resultUrls": ["https://cdn.test/veo-0.mp4"]},
       "info": {"resultUrls": ["https://cdn.test/info-0.mp4"]}}
# A result with the URLs only: Boards then falls back to defaults or sizes from the inputs.
SPARSE_FAL = {"images": [{"url": "https://cdn.test/images-0.png"}, {"url": "https://cdn.test/images-1.png"}], "image": {"url": "https://cdn.test/image.webp"},
              "video": {"url": "https://cdn.test/video.mp4"}, "audio": {"url": "https://cdn.test/audio.wav"}}
RESULT = {"fal": FAL, "kie": KIE, "replicate": "https://cdn.test/replicate.out", "openai": {"data": [{"url": "https://cdn.test/openai.png"}], "text": "transcribed words"}}
SPARSE = {**RESULT, "fal": SPARSE_FAL}
out = {}
for g in gens:
    s = g["inputSchema"]
    out[g["name"]] = [{"label": "required-only", "inputs": inputs_for(s, False), "result": RESULT},
                      {"label": "all-fields", "inputs": inputs_for(s, True), "result": RESULT},
                      {"label": "falsy-optionals", "inputs": falsy_inputs(s), "result": RESULT},
                      {"label": "out-of-bounds", "inputs": out_of_bounds(s), "result": RESULT},
                      {"label": "sparse-result", "inputs": inputs_for(s, True), "result": SPARSE, "resultSet": "sparse"}]
json.dump(out, open(sys.argv[2], "w"), indent=1)
