import platform

import six


def main():
    print("greet", "from", __file__, "with six", six.__version__, "on", platform.machine())
