"""``python -m vrgraph.cli``: the ``vrgraph`` command."""

from . import main

main()
