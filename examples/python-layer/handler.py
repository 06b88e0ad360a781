"""A function that summarizes numbers with numpy: handler.handler."""

import json
import sys

import numpy


def handler(event, context):
    x = numpy.array(event.get("x", []), dtype=float)
    return {"n": int(x.size), "mean": float(x.mean()) if x.size else None, "numpy": numpy.__version__}


if __name__ == "__main__":
    print(json.dumps(handler({"x": [float(a) for a in sys.argv[1:]] or [1, 2, 3, 4]}, None)))
