# Sourced by bench-vs-pytorch and quality-vs-pytorch: sets $python to a Python with PyTorch (CPU),
# creating a virtual environment in $RDA_TORCH_VENV (default ~/.cache/rda/torch-venv) once.
venv=${RDA_TORCH_VENV:-$HOME/.cache/rda/torch-venv}
if ! "$venv/bin/python" -c 'import torch, numpy' >/dev/null 2>&1; then
  echo "# creating the PyTorch environment in $venv (CPU wheel, a few hundred MB)" >&2
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  # pip's find-links folders, from the environment or from pip's configuration
  links=${PIP_FIND_LINKS:-$(python3 -m pip config list 2>/dev/null | sed -n "s/^[^=]*find-links='\(.*\)'$/\1/p" | tr '\n' ' ')}
  local_wheel=$(for d in $links; do ls "$d"/torch-*+cpu-*.whl 2>/dev/null; done | tail -n 1 || true)
  if [ -n "$local_wheel" ]; then
    # a CPU wheel in pip's find-links folder: it, without its CUDA dependencies, then the pure-Python ones
    "$venv/bin/pip" install -q --no-deps "$local_wheel" >&2
    "$venv/bin/pip" install -q numpy filelock typing_extensions sympy networkx jinja2 fsspec >&2
  else
    # the CPU-only wheel from PyTorch's index (RDA_TORCH_INDEX overrides)
    "$venv/bin/pip" install -q numpy >&2
    "$venv/bin/pip" install -q torch --index-url "${RDA_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}" >&2
  fi
fi
python=$venv/bin/python
