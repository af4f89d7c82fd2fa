#!/usr/bin/env bash
# Makes localhost/kv-test-jre:17, a minimal Java runtime image, without any registry: jlink a
# runtime from the local JDK, add the shared libraries it needs, import it with podman.
# Idempotent: an existing image made by this same recipe is kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
podman="$here/podman.sh"
image="localhost/kv-test-jre:17"
# The image carries a hash of this recipe: a changed recipe makes a new image.
recipe="$(sha256sum "$0" | cut -c1-16)"
if "$podman" image exists "$image" \
    && [ "$("$podman" image inspect --format '{{index .Labels "kv.base.recipe"}}' "$image")" = "$recipe" ]; then
  exit 0
fi
jar="$here/../kv-frontend/target/kv-frontend.jar"
[ -f "$jar" ] || { echo "build the jar first: mvn -B -q -DskipTests package" >&2; exit 1; }
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
[ -d "$java_home/jmods" ] || { echo "no jmods in $java_home (need a full JDK)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mods=$("$java_home/bin/jdeps" --ignore-missing-deps --multi-release 17 --print-module-deps "$jar" 2>/dev/null || true)
mods="${mods:+$mods,}java.naming,jdk.crypto.ec,jdk.unsupported,java.management,java.xml,java.sql,java.logging"
"$java_home/bin/jlink" --add-modules "$mods" --strip-debug --no-header-files --no-man-pages \
  --output "$root/opt/java"
# The shared libraries the runtime's binaries and libraries load, and those of the jar's native
# libraries (netty-tcnative's OpenSSL for the TLS ports), which are unpacked at run time.
mkdir -p "$work/native"
(cd "$work/native" && "$java_home/bin/jar" xf "$jar" META-INF/native/) || true
{ find "$root/opt/java" "$work/native" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
    | xargs -0 ldd 2>/dev/null || true; } \
  | awk '/=> \// {print $3} /^\s*\/lib/ {print $1}' | sort -u | while read -r lib; do
    cp -L --parents "$lib" "$root/"
  done
for ld in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
  [ -e "$ld" ] && cp -L --parents "$ld" "$root/"
done
mkdir -p "$root/etc" "$root/tmp" "$root/app"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nkv:x:10001:10001:kv:/app:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nkv:x:10001:\n' > "$root/etc/group"
tar --numeric-owner -C "$root" -c . | "$podman" import \
  --change 'ENV JAVA_HOME=/opt/java' --change 'ENV PATH=/opt/java/bin:/usr/bin:/bin' \
  --change "LABEL kv.base.recipe=$recipe" - "$image" >/dev/null
echo "made $image"
