"""Runs every Boards generator's own generate()/estimate_cost() against fake provider SDKs and
records what it sends and stores: the oracle for the catalogue tests."""
import asyncio, importlib, json, os, sys, types, copy, tempfile
sys.path.insert(0, os.path.dirname(__file__))
os.environ.update(FAL_KEY="x", KIE_API_KEY="x", REPLICATE_API_TOKEN="x", OPENAI_API_KEY="x")
TMP = tempfile.mkdtemp()
CALLS = []
RESULT = {}

def upload_url(gid): return f"https://uploads.test/{gid}"

# ---- fake fal_client
fal = types.ModuleType("fal_client")
class Handler:
    request_id = "req-1"
    async def iter_events(self, with_logs=False):
        if False: yield None
    async def get(self): return copy.deepcopy(RESULT["fal"])
async def submit_async(app, arguments):
    CALLS.append({"endpoint": app, "body": copy.deepcopy(arguments)}); return Handler()
fal.submit_async = submit_async
sys.modules["fal_client"] = fal
# ---- fake replicate
rep = types.ModuleType("replicate"); reph = types.ModuleType("replicate.helpers")
class FileOutput:
    def __init__(self, url): self.url = url
    def __str__(self): return self.url
reph.FileOutput = FileOutput
def fileify(v):
    if hasattr(v, "read"): return upload_url(os.path.basename(v.name))
    return v
async def async_run(model, input):
    CALLS.append({"endpoint": model, "body": {k: fileify(v) for k, v in input.items()}})
    out = RESULT["replicate"]
    return FileOutput(out) if isinstance(out, str) else out
rep.async_run = async_run; rep.helpers = reph
sys.modules["replicate"] = rep; sys.modules["replicate.helpers"] = reph
# ---- fake openai
oai = types.ModuleType("openai")
class NS(types.SimpleNamespace): pass
class AsyncOpenAI:
    def __init__(self, *a, **k):
        async def img(**kw):
            CALLS.append({"endpoint": "images.generate", "body": {k: fileify(v) for k, v in kw.items()}})
            return NS(data=[NS(url=RESULT["openai"]["data"][0]["url"])])
        async def tr(**kw):
            CALLS.append({"endpoint": "audio.transcriptions.create", "body": {k: fileify(v) for k, v in kw.items()}})
            return NS(text=RESULT["openai"]["text"])
        self.images = NS(generate=img)
        self.audio = NS(transcriptions=NS(create=tr))
oai.AsyncOpenAI = AsyncOpenAI
sys.modules["openai"] = oai
# ---- fake httpx (Kie)
hx = types.ModuleType("httpx")
class Resp:
    def __init__(self, body): self.status_code = 200; self._b = body; self.text = json.dumps(body)
    def json(self): return copy.deepcopy(self._b)
class AsyncClient:
    def __init__(self, *a, **k): pass
    async def __aenter__(self): return self
    async def __aexit__(self, *a): return False
    async def post(self, url, json=None, **k):
        CALLS.append({"endpoint": url, "body": copy.deepcopy(json)})
        return Resp({"code": 200, "data": {"taskId": "task-1"}})
    async def get(self, url, **k):
        return Resp({"code": 200, "data": copy.deepcopy(RESULT["kie"])})
hx.AsyncClient = AsyncClient
sys.modules["httpx"] = hx

STORED = []
class Ctx:
    async def resolve_artifact(self, a):
        p = os.path.join(TMP, a.generation_id); open(p, "wb").close(); return p
    async def _store(self, kind, **kw):
        kw.pop("output_index", None)
        STORED.append({"kind": kind, **kw}); return None
    async def store_image_result(self, **kw): return await self._store("image", **kw)
    async def store_video_result(self, **kw): return await self._store("video", **kw)
    async def store_audio_result(self, **kw): return await self._store("audio", **kw)
    async def store_text_result(self, **kw): return await self._store("text", **kw)
    async def publish_progress(self, u): pass
    async def set_external_job_id(self, i): pass

import boards.generators.base as base
from boards.generators.artifacts import DigitalArtifact
from pydantic import BaseModel
base.GeneratorResult.model_config["arbitrary_types_allowed"] = True
class GR:  # GeneratorResult stand-in: store_* returns None here
    def __init__(self, outputs): self.outputs = outputs
import asyncio as _a
_sleep = _a.sleep
async def nosleep(*a, **k): return None
_a.sleep = nosleep

def main():
    gens = json.load(open(sys.argv[1])); cases = json.load(open(sys.argv[2]))
    out = {}
    for g in gens:
        mod, cls = g["pythonClass"].rsplit(".", 1)
        m = importlib.import_module(mod)
        m.GeneratorResult = GR
        gen = getattr(m, cls)()
        schema = gen.get_input_schema()
        res = []
        for case in cases[g["name"]]:
            CALLS.clear(); STORED.clear()
            RESULT.clear(); RESULT.update(case["result"])
            entry = {"label": case["label"], "inputs": case["inputs"], "result": case["result"], "resultSet": case.get("resultSet", "full")}
            try:
                inp = schema.model_validate(case["inputs"])
            except Exception as e:
                entry["invalid"] = str(e).split("\n")[0] + " " + str(e)[:400]; res.append(entry); continue
            entry["validated"] = json.loads(inp.model_dump_json())
            entry["cost"] = asyncio.run(gen.estimate_cost(inp))
            try:
                asyncio.run(gen.generate(inp, Ctx()))
                entry["requests"] = copy.deepcopy(CALLS)
                entry["stored"] = copy.deepcopy(STORED)
            except Exception as e:
                entry["requests"] = copy.deepcopy(CALLS)
                entry["error"] = f"{type(e).__name__}: {e}"
            res.append(entry)
        out[g["name"]] = res
    json.dump(out, open(sys.argv[3], "w"), indent=1, sort_keys=True)
main()
