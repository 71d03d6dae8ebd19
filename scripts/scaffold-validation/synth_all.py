"""Synthesizes every Python app in ONE interpreter (one jsii kernel, the validator starts once).

Usage: python synth_all.py OUTDIR APPDIR...   Prints PASS/FAIL lines; exit code = failures.
jsii's node child copies the environment once, so CDK_OUTDIR cannot change between apps:
App.__init__ is patched to pass outdir= and the app's cdk.json context explicitly.
"""

import json
import os
import runpy
import shutil
import sys
import traceback

import aws_cdk

out_root, apps = os.path.abspath(sys.argv[1]), sys.argv[2:]
original_init = aws_cdk.App.__init__
current: dict = {}


def patched_init(self, *args, **kwargs):
    kwargs["outdir"] = current["outdir"]
    kwargs["context"] = {**current["context"], **(kwargs.get("context") or {})}
    original_init(self, *args, **kwargs)


aws_cdk.App.__init__ = patched_init  # type: ignore[method-assign]
failed = 0
root = os.getcwd()
for app_dir in apps:
    app_dir = os.path.abspath(app_dir)
    name = os.path.basename(app_dir)
    outdir = os.path.join(out_root, name)
    shutil.rmtree(outdir, ignore_errors=True)
    try:
        with open(os.path.join(app_dir, "cdk.json"), encoding="utf-8") as f:
            current["context"] = json.load(f).get("context", {})
        current["outdir"] = outdir
        os.chdir(app_dir)
        sys.path.insert(0, app_dir)
        runpy.run_path(os.path.join(app_dir, "app.py"), run_name="__main__")
        if not os.path.exists(os.path.join(outdir, "manifest.json")):
            raise RuntimeError("no cloud assembly was written")
        print(f"PASS synth-py {name}", flush=True)
    except BaseException as err:  # noqa: BLE001 - report every app, whatever failed
        failed += 1
        lines = [l for l in traceback.format_exception(err) if len(l) < 2000][-12:]
        print(f"FAIL synth-py {name}: {''.join(lines)}", flush=True)
    finally:
        os.chdir(root)
        if sys.path and sys.path[0] == app_dir:
            sys.path.pop(0)
sys.exit(min(failed, 100))
