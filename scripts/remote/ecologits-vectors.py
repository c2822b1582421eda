"""Test vectors for openjoules' remote energy estimate, computed by EcoLogits itself.

Usage: python3 scripts/remote/ecologits-vectors.py > test/fixtures/remote/ecologits-vectors.json
Needs `pip install ecologits==0.11.3`. Each vector: a hosted-API call (provider, model, output tokens, latency) and
the energy EcoLogits' `llm_impacts` gives for it, in kWh (min and max).
"""
import json
import logging
import sys

import ecologits
from ecologits.tracers.utils import llm_impacts

logging.disable(logging.WARNING)

CALLS = [
    ("openai", "gpt-4o", 500, 3.2),
    ("openai", "gpt-4o-2024-11-20", 120, 1.1),
    ("openai", "gpt-4o-mini", 800, 12.0),
    ("openai", "gpt-4.1-nano", 50, 0.4),
    ("openai", "gpt-5", 2000, 40.0),
    ("openai", "gpt-5-mini", 1, 0.2),
    ("openai", "o4-mini", 300, 90.0),
    ("anthropic", "claude-sonnet-4-5-20250929", 1000, 20.0),
    ("anthropic", "claude-haiku-4-5", 250, 2.5),
    ("anthropic", "claude-opus-4-6", 4000, 120.0),
    ("google_genai", "gemini-2.5-flash", 700, 9.0),
    ("google_genai", "gemini-2.5-pro", 1500, 0.5),
]

vectors = []
for provider, model, tokens, latency in CALLS:
    energy = llm_impacts(provider, model, tokens, latency).energy.value
    lo, hi = (energy.min, energy.max) if hasattr(energy, "min") else (energy, energy)
    vectors.append({"provider": provider, "model": model, "outputTokens": tokens, "latencyS": latency,
                    "minKWh": lo, "maxKWh": hi})
json.dump({"ecologits": ecologits.__version__, "vectors": vectors}, sys.stdout, indent=1)
sys.stdout.write("\n")
