#!/usr/bin/env python3
"""docs/openapi.yaml -> a C file holding the document as minified JSON
(const char API_OPENAPI_JSON[]), served at /v1/openapi.json."""
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
text = json.dumps(doc, separators=(",", ":"), ensure_ascii=True)
with open(sys.argv[2], "w", encoding="ascii") as out:
    out.write("/* Generated from docs/openapi.yaml by core/api/openapi2c.py. */\n")
    out.write("extern const char API_OPENAPI_JSON[];\n")
    out.write("const char API_OPENAPI_JSON[] =\n")
    for i in range(0, len(text), 100):
        chunk = text[i:i + 100].replace("\\", "\\\\").replace('"', '\\"')
        out.write('    "%s"\n' % chunk)
    out.write(";\n")
