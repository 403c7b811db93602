# registry extra: Debian's docker-registry on BR_IP:5000 (plain HTTP, so
# ship daemons need --insecure-registry BR_IP:5000: the ssh kinds pass it)
# with htpasswd authentication: user "maestro", a random password made per
# fleet.  It holds BR_IP:5000/maestro/tiny:1 (the fleet image) and
# BR_IP:5000/maestro/blob:1 (tiny plus a 2 MB random layer, so a pull has
# bytes to report), pushed with the docker CLI through the first ship that
# trusts the registry, with DOCKER_CONFIG in a scratch folder; the pushing
# ship keeps neither tag.
registry_dir() { echo "$ROOT/registry"; }
extra_registry_prepare() {
  local r
  r=$(registry_dir)
  command -v docker-registry >/dev/null || die "docker-registry is not installed"
  command -v htpasswd >/dev/null || die "htpasswd (apache2-utils) is not installed"
  mkdir -p "$r/data" "$r/docker-config"
  chmod 700 "$r"
  head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/pw-/' >"$r/password"
  htpasswd -Bbc "$r/htpasswd" maestro "$(cat "$r/password")" 2>/dev/null
  cat >"$r/config.yml" <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $r/data
  delete:
    enabled: true
http:
  addr: $BR_IP:5000
auth:
  htpasswd:
    realm: maestro-fleet
    path: $r/htpasswd
CFG
}
extra_registry_start() {
  local r n sock pusher= i code
  r=$(registry_dir)
  setsid docker-registry serve "$r/config.yml" >"$r/registry.log" 2>&1 </dev/null &
  echo $! >"$r/registry.pid"
  for i in $(seq 100); do
    code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' "http://$BR_IP:5000/v2/" || true)
    [ "$code" = 401 ] && break
    sleep 0.1
  done
  [ "$code" = 401 ] || die "registry did not answer 401 on http://$BR_IP:5000/v2/ (got '$code')"
  for n in $(seq "$NSHIPS"); do
    if grep -q -- "--insecure-registry $BR_IP:5000" "$(ship_dir "$n")/dockerd.args"; then
      pusher=$n
      break
    fi
  done
  [ -n "$pusher" ] || die "registry: no ship trusts $BR_IP:5000 (add an ssh ship)"
  sock=$(ship_sock "$pusher")
  local dk=(env DOCKER_CONFIG="$r/docker-config" docker -H "unix://$sock")
  "${dk[@]}" login -u maestro --password-stdin "$BR_IP:5000" <"$r/password" >/dev/null 2>&1 ||
    die "registry: docker login failed"
  # blob:1 = tiny:1 plus a random layer (an import of a new rootfs)
  mkdir -p "$r/blob"
  tar -C "$r/blob" -xf "$ROOT/tiny.tar"
  head -c 2000000 /dev/urandom >"$r/blob/random.bin"
  tar -C "$r/blob" -cf "$r/blob.tar" .
  rm -rf "$r/blob"
  "${dk[@]}" import "$r/blob.tar" "$BR_IP:5000/maestro/blob:1" >/dev/null ||
    die "registry: cannot import blob"
  "${dk[@]}" tag tiny:1 "$BR_IP:5000/maestro/tiny:1"
  for i in tiny blob; do
    "${dk[@]}" push "$BR_IP:5000/maestro/$i:1" >"$r/push-$i.log" 2>&1 ||
      die "registry: push of $i failed: $(tail -n 3 "$r/push-$i.log")"
    "${dk[@]}" rmi "$BR_IP:5000/maestro/$i:1" >/dev/null 2>&1 || true
  done
  "${dk[@]}" logout "$BR_IP:5000" >/dev/null 2>&1 || true
  rm -f "$r/blob.tar"
}
extra_registry_env() {
  local r
  r=$(registry_dir)
  echo "REGISTRY=$BR_IP:5000"
  echo "REGISTRY_URL=http://$BR_IP:5000"
  echo "REGISTRY_USER=maestro"
  echo "REGISTRY_PASSWORD_FILE=$r/password"
  echo "REGISTRY_IMAGE=$BR_IP:5000/maestro/tiny:1"
  echo "REGISTRY_BLOB_IMAGE=$BR_IP:5000/maestro/blob:1"
}
extra_registry_down() {
  local f
  f=$(registry_dir)/registry.pid
  if [ -s "$f" ]; then kill -TERM "$(cat "$f")" 2>/dev/null || true; fi
}
