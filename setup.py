"""Bundle the project's published data files into the package when a wheel is built.

``vrgraph`` run from a wheel, away from any checkout, still needs the ontology, the shapes,
the canned queries, the table queries of ``vrgraph publish`` and the built graph: ``build_py``
copies them into ``vrgraph/bundled/`` (see ``vrgraph/project.py``). The source copy and the
curation files are left out: they are what ``vrgraph build`` reads, and
``data/curation/leads.yaml`` holds personal names that are never published.
"""

from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("ontology/vrgraph.ttl", "ontology/shapes.ttl", "data/graph.ttl", "queries/*.rq",
           "queries/tables/*.rq")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "vrgraph" / "bundled"
        for pattern in BUNDLED:
            for path in sorted(here.glob(pattern)):
                dest = target / path.relative_to(here)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)


setup(cmdclass={"build_py": BuildWithData})
