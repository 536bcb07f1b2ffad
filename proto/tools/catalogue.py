"""Load the message catalogue: proto/catalogue.json merged with every
fragment in proto/catalogue.d/ (one per service), as libaftersales does."""
import glob
import json
import os

PROTO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load():
    with open(os.path.join(PROTO, "catalogue.json"), encoding="utf-8") as f:
        root = json.load(f)
    for path in sorted(glob.glob(os.path.join(PROTO, "catalogue.d", "*.json"))):
        with open(path, encoding="utf-8") as f:
            fragment = json.load(f)
        for section in ("services", "events", "methods"):
            into = root.setdefault(section, {})
            for name, entry in fragment.get(section, {}).items():
                if name in into:
                    raise SystemExit("%s: %s '%s' is defined twice" % (path, section, name))
                into[name] = entry
    return root
