"""An HTTP/JSON service: GET /stats?x=1,2,3 answers numpy's statistics of
the numbers; GET /audio names the PortAudio library pyaudio was built
against. --self-test prints both libraries' versions and exits."""

import json
import platform
import sys

import bottle
import numpy
import pyaudio


def stats(values):
    a = numpy.array(values, dtype=float)
    return {"n": int(a.size), "mean": float(a.mean()), "std": float(a.std())}


app = bottle.Bottle()


@app.get("/stats")
def get_stats():
    raw = bottle.request.query.get("x", "")
    try:
        values = [float(v) for v in raw.split(",") if v]
    except ValueError:
        bottle.response.status = 400
        return {"error": "x must be numbers separated by commas"}
    if not values:
        bottle.response.status = 400
        return {"error": "give numbers: /stats?x=1,2,3"}
    return stats(values)


@app.get("/audio")
def get_audio():
    return {"portaudio": pyaudio.get_portaudio_version_text()}


def main():
    if "--self-test" in sys.argv:
        print("numpy", numpy.__version__)
        print("portaudio", pyaudio.get_portaudio_version_text())
        print("machine", platform.machine())
        print("stats", json.dumps(stats([1, 2, 3, 4])))
        return
    port = 8080
    if "--port" in sys.argv:
        port = int(sys.argv[sys.argv.index("--port") + 1])
    bottle.run(app, host="0.0.0.0", port=port, quiet=True)


if __name__ == "__main__":
    main()
