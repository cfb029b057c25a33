"""Stores each sample provider result once (by result set name) instead of once per run."""
import json, sys
cases, runs, out = sys.argv[1:4]
results = {}
generators = {}
for name, entries in json.load(open(runs)).items():
    for entry in entries:
        result = entry.pop("result")
        assert results.setdefault(entry["resultSet"], result) == result
    generators[name] = entries
json.dump({"providerResults": results, "generators": generators}, open(out, "w"), indent=1, sort_keys=True)
