# The web console's checks (sourced by tests/deploy/guest-run): fabweb set up as
# docs/console.md says, then used as a manager would, with curl over loopback HTTP, and last
# switched to HTTPS as the same page says.
WEB=http://127.0.0.1:8080
WEB_LOGIN=alice
WEB_JAR=/run/rehearse-web.cookies
WEB_PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
CSRF=

web_pid() { systemctl show -p MainPID --value fabweb.service; }
web_up() { unit_active fabweb.service && curl -s -m 10 -o /dev/null "$WEB/"; }
# Logs in as the manager; the session's CSRF token goes to CSRF, its cookie to the jar.
web_login() {
    local answer
    rm -f "$WEB_JAR"
    answer=$(curl -sS -m 60 -c "$WEB_JAR" -H 'Content-Type: application/json' \
        -d "{\"login\": \"$WEB_LOGIN\", \"password\": \"$WEB_PW\"}" "$WEB/api/login") || return 1
    CSRF=$(sed -n 's/.*"csrf": *"\([^"]*\)".*/\1/p' <<<"$answer")
    [ -n "$CSRF" ] || { echo "  login answered: $answer"; return 1; }
}
# web_post PATH BODY [TOKEN]: prints the HTTP status; the body goes to $OUT/web-answer.json.
web_post() {
    local token=()
    [ -n "${3:-}" ] && token=(-H "X-CSRF-Token: $3")
    curl -sS -m 60 -o "$OUT/web-answer.json" -w '%{http_code}' -b "$WEB_JAR" -H 'Content-Type: application/json' \
        "${token[@]}" -d "$2" "$WEB$1"
}
web_answer() { tr -d '\n' <"$OUT/web-answer.json" | cut -c1-300; }
# The gate's own report on the board (one machine a line: `},{` only separates the array's).
web_gate_locked() {
    curl -sS -m 60 -b "$WEB_JAR" "$WEB/api/machines" | tr -d '\n' | sed 's/},{/}\n{/g' |
        grep '"id": *"laser-1"' | grep -q '"locked": *true'
}

# docs/console.md's block, the password typed on standard input as the doc says.
setup_web() {
    run_doc console "sudo -u fabweb fabweb" "printf '%s\\n' '$WEB_PW' | sudo -u fabweb fabweb" &&
        wait_until 60 web_up
}

check_web_identity() {
    local pid uid gid groups user key=/etc/fabledger/acl-signing.key
    pid=$(web_pid)
    if [ "${pid:-0}" = 0 ]; then
        verdict web-runs-as-fabweb fail "fabweb.service is $(systemctl is-active fabweb.service), no process"
        verdict web-cannot-read-signing-key fail "fabweb.service has no process"
        return
    fi
    user=$(ps -o user= -p "$pid")
    uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
    gid=$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")
    groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status" | xargs | tr ' ' ',')
    if [ "$user" = fabweb ] && [ "$uid" = "$(id -u fabweb)" ]; then
        verdict web-runs-as-fabweb pass "pid $pid, user $user, group $(getent group "$gid" | cut -d: -f1)"
    else
        verdict web-runs-as-fabweb fail "pid $pid runs as $user (uid $uid)"
    fi
    # The running process's own credentials (uid, gid, supplementary groups) try the key; a
    # capability that overrides file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) would read it
    # whatever they say.
    local read_it=0 how=(--clear-groups) caps
    [ -n "$groups" ] && how=(--groups "$groups")
    setpriv --reuid="$uid" --regid="$gid" "${how[@]}" cat "$key" >/dev/null 2>&1 && read_it=1
    caps=$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")
    ((0x${caps:-0} & 0x6)) && read_it=1
    if [ -s "$key" ] && [ $read_it = 0 ] && [ "$uid" != 0 ]; then
        verdict web-cannot-read-signing-key pass "uid $uid, gid $gid, groups ${groups:-none}, capabilities $caps: $(stat -c '%U:%G %a' "$key") refused"
    else
        verdict web-cannot-read-signing-key fail "uid $uid, gid $gid, groups ${groups:-none}, capabilities $caps read $key ($(stat -c '%U:%G %a' "$key"))"
    fi
}

# A manager logs in, locks laser-1 through the API (a request without the CSRF token first:
# it must change nothing), and the gate refuses a badge.
check_web_lock() {
    local why=() status
    web_login || why+=("login failed")
    status=$(web_post /api/machines/lab/laser-1/lock '{"reason": "rehearsal, from the console"}')
    echo "  POST lock without X-CSRF-Token: $status $(web_answer)"
    [ "$status" = 403 ] && grep -q '"csrf"' "$OUT/web-answer.json" || why+=("lock without token answered $status")
    status=$(web_post /api/machines/lab/laser-1/lock '{"reason": "rehearsal, from the console"}' "$CSRF")
    echo "  POST lock with the token: $status $(web_answer)"
    [ "$status" = 200 ] || why+=("lock answered $status")
    local outcome; outcome=$(sed -n 's/.*"outcome": *"\([^"]*\)".*/\1/p' "$OUT/web-answer.json")
    wait_until 20 web_gate_locked || why+=("the board never showed laser-1 locked")
    badge_refused laser-1 || why+=("badge granted: relay $(relay laser-1)")
    [ ${#why[@]} = 0 ] &&
        verdict web-lock-reaches-gate pass "login over HTTP, lock without token 403, with it 200 (outcome $outcome), gate locked, badge refused" ||
        verdict web-lock-reaches-gate fail "${why[*]}"
    step_end "check: console login and lock"
}

# After `systemctl restart fabweb` a new process serves: the manager logs in again (sessions
# live in memory) and unlocks laser-1, and a badge is granted.
check_web_restart() {
    local why=() before status
    before=$(web_pid)
    systemctl restart fabweb.service || why+=("restart exit $?")
    wait_until 60 web_up || why+=("fabweb $(systemctl is-active fabweb.service) after the restart")
    [ "$(web_pid)" != "$before" ] || why+=("same pid $before")
    status=$(curl -sS -m 60 -o /dev/null -w '%{http_code}' -b "$WEB_JAR" "$WEB/api/session")
    echo "  the session from before the restart: $status (401: everyone logged out)"
    web_login || why+=("login after restart failed")
    status=$(web_post /api/machines/lab/laser-1/unlock '{}' "$CSRF")
    echo "  POST unlock: $status $(web_answer)"
    [ "$status" = 200 ] || why+=("unlock answered $status")
    if badge_expect laser-1 $MEMBER_CARD 1 15; then
        nap 3; badge_expect laser-1 $MEMBER_CARD 0 10 || true
    else
        why+=("badge still refused after the unlock")
    fi
    [ ${#why[@]} = 0 ] &&
        verdict web-serves-after-restart pass "pid $before -> $(web_pid), login and unlock over HTTP, badge granted" ||
        verdict web-serves-after-restart fail "${why[*]}"
    step_end "check: console after systemctl restart fabweb"
}

# What docs/console.md's https block says to edit in fabweb.json: listen on every address, port
# 8443, with the certificate and key it made. Broken on purpose (FABGATE_REHEARSE_BREAK=https):
# no certificate and insecure_http, so fabweb serves plain HTTP there and both checks must fail.
edit_https() {
    local f=/etc/fabledger/fabweb.json tls=', "cert_file": "/etc/fabledger/fabweb.crt", "key_file": "/etc/fabledger/fabweb.key"'
    breaking https && tls=', "insecure_http": true'
    sed -i -e "s|\"address\": \"127.0.0.1\",|\"address\": \"0.0.0.0\",|" \
        -e "s|\"port\": 8080\$|\"port\": 8443$tls|" "$f"
    grep -q '"port": 8443' "$f" || { echo "fabweb.json's listen section changed: cannot edit it"; cat "$f"; return 1; }
    sed -n '/"listen"/,/}/p' "$f"
}

# The console over HTTPS as docs/console.md sets it up: the certificate the site CA signed
# verifies for the host's name, a manager logs in (the cookie is Secure, HSTS is sent), and
# nothing answers in plain HTTP, neither on 8443 nor on the old 8080.
check_web_https() {
    local why=() name url status headers since
    name=$(hostname --fqdn) url=https://$(hostname --fqdn):8443
    since=$(date +%s)
    run_doc https || why+=("docs/console.md's https block failed")
    wait_until 60 eval "unit_active fabweb.service && curl -s -m 10 -o /dev/null --cacert /etc/fabledger/ca.crt $url/" ||
        why+=("no HTTPS answer at $url verified with the site CA ($(curl -sS -m 10 -o /dev/null --cacert /etc/fabledger/ca.crt "$url/" 2>&1 | head -c 200))")
    journalctl -u fabweb.service --since "@$since" --no-pager -o cat | grep -q 'https://0.0.0.0:8443/' ||
        why+=("fabweb did not log https://0.0.0.0:8443/")
    local WHY=()   # the console's key is fabweb's alone (guest-secrets.sh)
    expect /etc/fabledger/fabweb.key "fabweb:root 600"
    unreadable_by /etc/fabledger/fabweb.key maria "$LEDGER"
    why+=("${WHY[@]}")
    headers=$(curl -sS -m 60 -D - -o "$OUT/web-answer.json" --cacert /etc/fabledger/ca.crt -c "$WEB_JAR.tls" \
        -H 'Content-Type: application/json' -d "{\"login\": \"$WEB_LOGIN\", \"password\": \"$WEB_PW\"}" \
        "$url/api/login" 2>&1 | tr -d '\r')
    echo "$headers" | grep -Ei '^(HTTP/|set-cookie|strict-transport)' | sed 's/fabweb_session=[^;]*/fabweb_session=.../; s/^/  /'
    grep -q '^HTTP/[0-9.]* 200' <<<"$headers" && grep -q '"csrf"' "$OUT/web-answer.json" ||
        why+=("login over HTTPS failed: $(head -n1 <<<"$headers")")
    grep -qi '^set-cookie: fabweb_session=.*; Secure' <<<"$headers" || why+=("the session cookie is not Secure")
    grep -qi '^strict-transport-security: max-age=' <<<"$headers" || why+=("no Strict-Transport-Security")
    status=$(curl -s -m 60 -o /dev/null -w '%{http_code}' -b "$WEB_JAR.tls" --cacert /etc/fabledger/ca.crt "$url/api/session")
    [ "$status" = 200 ] || why+=("GET /api/session with the HTTPS session answered $status")
    [ ${#why[@]} = 0 ] &&
        verdict web-https-console pass "$url: certificate signed by the site CA verifies for $name, key fabweb:root 600, login 200, cookie Secure, HSTS sent, session usable" ||
        verdict web-https-console fail "${why[*]}"
    # A browser told http:// must get no page: the TLS port takes the connection but answers no
    # plain request (the refused handshake may be logged: a fault window), and 8080 is closed.
    # curl's exit 7 is "could not connect": on 8443 that would prove nothing.
    why=()
    local plain closed plain_rc=0 closed_rc=0
    fault_begin
    plain=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://$name:8443/api/session") || plain_rc=$?
    closed=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:8080/") || closed_rc=$?
    nap 2
    fault_end
    echo "  plain HTTP: http://$name:8443/ answered ${plain:-nothing} (curl exit $plain_rc), http://127.0.0.1:8080/ answered ${closed:-nothing} (curl exit $closed_rc); 000: no HTTP answer"
    [ "$plain" = 000 ] || why+=("http://$name:8443/ answered HTTP $plain")
    [ $plain_rc != 7 ] || why+=("nothing listens on $name:8443")
    [ "$closed" = 000 ] || why+=("http://127.0.0.1:8080/ answered HTTP $closed")
    [ ${#why[@]} = 0 ] &&
        verdict web-no-plain-http pass "8443 takes the connection but gives no HTTP answer in plain text (curl exit $plain_rc), nothing on 8080" ||
        verdict web-no-plain-http fail "${why[*]}"
    step_end "check: console over HTTPS"
}

run_web_checks() {
    if [ "$WEB_READY" != 1 ]; then
        local v
        for v in web-runs-as-fabweb web-cannot-read-signing-key web-lock-reaches-gate web-serves-after-restart \
            web-https-console web-no-plain-http; do
            verdict $v fail "fabweb not set up: docs/console.md's block failed or fabweb never served ($(systemctl is-active fabweb.service))"
        done
        return
    fi
    check_web_identity
    check_web_lock
    check_web_restart
    check_web_https
}
