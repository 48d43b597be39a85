"""Print the .tf files named on the command line as one JSON object, {file name: parsed HCL}.

Runs in .venv-infra (requirements-infra.txt), with the HCL parser checkov uses (bc-python-hcl2, a fork
of python-hcl2), so the tests read the configuration exactly as checkov does. A file that does not
parse is reported as {"error": "..."} instead of stopping the others.
"""

import json
import sys
from pathlib import Path

import hcl2

parsed = {}
for name in sys.argv[1:]:
    path = Path(name)
    try:
        with path.open() as handle:
            parsed[path.name] = hcl2.load(handle)
    except Exception as error:  # any parse failure, reported per file
        parsed[path.name] = {"error": f"{type(error).__name__}: {error}"}
json.dump(parsed, sys.stdout)
