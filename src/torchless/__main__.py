"""python -m torchless: the seed walkthrough (D2L §2.5), each cell's code and its output."""
from ._seed_demo import run

print("torchless: D2L §2.5 (automatic differentiation), run unchanged after "
      "`import torchless as torch`\n")
run()
