# Opens exported folders with datasets.load_from_disk and prints what the test compares (features, rows), plus
# json.dumps(json.loads(line)) for each line of a JSONL file, to prove it is byte-for-byte what Python writes.
# Usage: hf-check.py JSONL DIR...   Exit 3 when `datasets` cannot be imported (the test then reports SKIPPED).
import json, sys

try:
    import datasets
except Exception as error:  # ImportError, or a broken install
    print(f"import datasets failed: {error!r} (pip install datasets)", file=sys.stderr)
    sys.exit(3)

with open(sys.argv[1], encoding="utf-8") as f:
    redumped = [json.dumps(json.loads(line)) for line in f.read().splitlines()]
out = {"jsonl_redumped": redumped, "datasets": []}
for path in sys.argv[2:]:
    ds = datasets.load_from_disk(path)
    out["datasets"].append({
        "num_rows": ds.num_rows,
        "features": {k: str(v.dtype) for k, v in ds.features.items()},
        "rows": ds.to_list(),
    })
print(json.dumps(out))
