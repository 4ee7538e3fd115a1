#!/usr/bin/env python3
"""Generates benchmark inputs: N values in YAML, JSON, dotenv and TOML, nested, with comments.

usage: gen.py OUT_DIR N [N ...]
Writes OUT_DIR/N.yaml, N.json, N.env, N.toml for each N.
"""
import json
import os
import sys


def words(i):
    return f"value-{i:07d}-{(i * 7919) % 100003:06d}"


def main():
    out, sizes = sys.argv[1], [int(n) for n in sys.argv[2:]]
    os.makedirs(out, exist_ok=True)
    for n in sizes:
        per = 50
        yaml, toml, env, doc = [], [], [], {}
        for i in range(n):
            section = f"service{i // per}"
            if i % per == 0:
                yaml.append(f"# settings of {section}")
                yaml.append(f"{section}:")
                toml.append(f"\n# settings of {section}\n[{section}]")
                doc[section] = {}
            key = f"key{i}"
            kind = i % 4
            if kind == 0:
                yaml.append(f"  {key}: {words(i)}  # note {i}")
                toml.append(f'{key} = "{words(i)}"  # note {i}')
                doc[section][key] = words(i)
            elif kind == 1:
                yaml.append(f"  {key}: {i}")
                toml.append(f"{key} = {i}")
                doc[section][key] = i
            elif kind == 2:
                yaml.append(f'  {key}: "{words(i)}"')
                toml.append(f"{key} = '{words(i)}'")
                doc[section][key] = words(i)
            else:
                yaml.append(f"  {key}: {i % 2 == 0}".lower())
                toml.append(f"{key} = {str(i % 2 == 0).lower()}")
                doc[section][key] = i % 2 == 0
            if i % 10 == 0:
                env.append(f"# group {i // 10}")
            env.append(f"KEY_{i}={words(i)}")
        with open(os.path.join(out, f"{n}.yaml"), "w") as f:
            f.write("\n".join(yaml) + "\n")
        with open(os.path.join(out, f"{n}.toml"), "w") as f:
            f.write("\n".join(toml).lstrip("\n") + "\n")
        with open(os.path.join(out, f"{n}.env"), "w") as f:
            f.write("\n".join(env) + "\n")
        with open(os.path.join(out, f"{n}.json"), "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
