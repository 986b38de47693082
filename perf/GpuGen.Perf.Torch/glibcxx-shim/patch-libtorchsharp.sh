#!/usr/bin/env bash
# Lets TorchSharp 0.107's native glue load on a libstdc++ older than GCC 13's (Debian 12 has
# GLIBCXX_3.4.30). Of everything in libtorch 2.10, only libLibTorchSharp.so asks for
# GLIBCXX_3.4.32, and for one symbol: std::ios_base_library_init(), which GCC 13 makes every
# translation unit that includes <iostream> reference (GCC 13 initialises the standard streams
# inside libstdc++). With an older libstdc++ the static ios_base::Init objects of libtorch's own
# translation units initialise them, so a no-op definition is enough. The patch:
#   1. builds that no-op into libgpugen_glibcxx332.so beside the library;
#   2. makes the library's reference to the symbol unversioned (patchelf --clear-symbol-version);
#   3. marks its need of GLIBCXX_3.4.32 weak (VER_FLG_WEAK), so the loader only notes its absence;
#   4. adds the shim as a NEEDED library (found through the library's RUNPATH $ORIGIN).
# Idempotent; does nothing where libstdc++ already has GLIBCXX_3.4.32. Run by the project's
# post-build target on every build (the build copies fresh, unpatched libraries).
# Needs g++, patchelf (apt-get install patchelf), readelf and python3.
set -euo pipefail
out_dir=$1
here=$(cd "$(dirname "$0")" && pwd)
libstdcxx=$(g++ -print-file-name=libstdc++.so.6 2>/dev/null || true)
if [[ -f "$libstdcxx" ]] && grep -q GLIBCXX_3.4.32 "$libstdcxx"; then exit 0; fi
for tool in g++ patchelf readelf python3; do
  command -v $tool >/dev/null || { echo "patch-libtorchsharp: $tool is missing (apt-get install patchelf g++ binutils python3)" >&2; exit 1; }
done
find "$out_dir" -name libLibTorchSharp.so | while read -r lib; do
  dir=$(dirname "$lib")
  if readelf -d "$lib" | grep -q libgpugen_glibcxx332.so; then continue; fi
  g++ -shared -fPIC -O2 -o "$dir/libgpugen_glibcxx332.so" "$here/ios_base_library_init.cpp"
  patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$lib"
  python3 - "$lib" GLIBCXX_3.4.32 <<'PY'
import re, struct, subprocess, sys
path, version = sys.argv[1], sys.argv[2]
listing = subprocess.run(["readelf", "-V", path], capture_output=True, text=True, check=True).stdout
section = re.search(r"Version needs section.*?\n\s*Addr: \S+\s+Offset: (0x[0-9a-f]+)", listing, re.S)
entry = re.search(r"(0x[0-9a-f]+):\s+Name: " + re.escape(version) + r"\s+Flags", listing[section.end():])
offset = int(section.group(1), 16) + int(entry.group(1), 16) + 4  # Elf64_Vernaux: vna_hash, then vna_flags
with open(path, "r+b") as f:
    f.seek(offset); flags, = struct.unpack("<H", f.read(2))
    f.seek(offset); f.write(struct.pack("<H", flags | 2))  # VER_FLG_WEAK
PY
  patchelf --add-needed libgpugen_glibcxx332.so "$lib"
  echo "patch-libtorchsharp: $lib loads without GLIBCXX_3.4.32"
done
