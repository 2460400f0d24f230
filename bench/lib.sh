# Shared by the benchmarks: the tree to use.

# pick_tree [TREE]: prints TREE, or the directory under
# ~/.rustup/toolchains/* whose file count is closest to 50,000.
pick_tree() {
  if [ -n "${1:-}" ]; then echo "$1"; return; fi
  local best="" bestd="" d n diff
  for d in "$HOME"/.rustup/toolchains/*/; do
    d="$(realpath "$d")"
    n=$(find "$d" -type f | wc -l)
    diff=$(( n > 50000 ? n - 50000 : 50000 - n ))
    if [ -z "$bestd" ] || [ "$diff" -lt "$bestd" ]; then best="$d"; bestd="$diff"; fi
  done
  echo "$best"
}
