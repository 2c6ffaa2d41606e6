"""Validates OCSF events against the official OCSF schema.

Usage: python ocsf_validate.py VERSION FILE.ndjson...

Each line of each file is one event. Its class (class_uid) and profiles
(metadata.profiles) pick the JSON Schema that ocsf-json-schema generates
for that class of OCSF VERSION, offline; a draft 2020-12 validator checks
the event against it. Prints one line per invalid event (file, line, the
first errors) and a JSON summary; exits 1 when any event is invalid.
"""

import json
import sys

from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema


def main() -> int:
    version, files = sys.argv[1], sys.argv[2:]
    ocsf = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=version))
    schema = get_ocsf_schema(version=version)
    names = {c["uid"]: name for name, c in schema["classes"].items()}
    validators = {}
    checked, invalid, by_class = 0, 0, {}
    for path in files:
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                event = json.loads(line)
                uid = event.get("class_uid")
                profiles = tuple(sorted(event.get("metadata", {}).get("profiles", [])))
                key = (uid, profiles)
                if key not in validators:
                    if uid not in names:
                        print(f"{path}:{number}: class_uid {uid} is not an OCSF {version} class")
                        invalid += 1
                        continue
                    schema = ocsf.get_class_schema(class_name=names[uid], profiles=list(profiles))
                    validators[key] = Draft202012Validator(schema)
                errors = sorted(validators[key].iter_errors(event), key=lambda e: list(e.path))
                checked += 1
                by_class[names.get(uid, str(uid))] = by_class.get(names.get(uid, str(uid)), 0) + 1
                if errors:
                    invalid += 1
                    shown = "; ".join(
                        f"{'/'.join(map(str, e.path)) or '(event)'}: {e.message}" for e in errors[:3]
                    )
                    print(f"{path}:{number}: {shown}")
    print(json.dumps({"version": version, "checked": checked, "invalid": invalid, "by_class": by_class}))
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
