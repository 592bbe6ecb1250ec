# Who may read the secrets, as docs/deploy.md and docs/console.md promise, checked on the
# installed guest after their steps (sourced by tests/deploy/guest-run); and the gate enrolled
# from a certificate request, the CA key offline. Modes are read with stat; "cannot read" is
# tried with the account's own uid, gid and groups (setpriv), so a group the docs forgot shows.
CA_MEDIA=/media/fabgate-ca     # where docs/deploy.md's ca-offline block puts the CA key
BROKER_DIR=/etc/mosquitto/fabgate

# The break knob (scripts/rehearse-deploy, FABGATE_REHEARSE_BREAK): each new check's mechanism
# can be broken on purpose, and the check must then fail.
breaking() { [[ ,${BREAK:-}, == *,$1,* ]]; }

# owner:group and octal mode, as the docs write them (no leading 0).
owner_mode() { stat -c '%U:%G %a' "$1" 2>/dev/null || echo "missing"; }
# USER[:GROUP] FILE: GROUP as a unit's Group= gives it (fabledger runs as fabgate-managers,
# which its user is not a member of), else the user's own.
can_read() {
    local user=${1%%:*} group=${1#*:}
    [ "$group" = "$1" ] && group=$(id -gn "$user")
    setpriv --reuid="$(id -u "$user")" --regid="$(getent group "$group" | cut -d: -f3)" --init-groups \
        cat "$2" >/dev/null 2>&1
}
LEDGER=fabledger:fabgate-managers   # fabledger.service's User= and Group=
# expect PATH "OWNER:GROUP MODE": adds a mismatch to WHY. An owner or group of `*` is not checked.
expect() {
    local got want_group got_group
    got=$(owner_mode "$1")
    [ "$got" = missing ] && { WHY+=("$1 missing"); return; }
    want_group=${2#*:} got_group=${got#*:}
    want_group=${want_group%% *} got_group=${got_group%% *}
    if { [ "${2%%:*}" = '*' ] || [ "${got%%:*}" = "${2%%:*}" ]; } &&
        { [ "$want_group" = '*' ] || [ "$got_group" = "$want_group" ]; } &&
        [ "${got##* }" = "${2##* }" ]; then
        return
    fi
    WHY+=("$1 is $got, not $2")
}
unreadable_by() {  # FILE USER...
    local f=$1 u; shift
    for u in "$@"; do can_read "$u" "$f" && WHY+=("$u reads $f ($(owner_mode "$f"))"); done
}
readable_by() {  # FILE USER...
    local f=$1 u; shift
    for u in "$@"; do can_read "$u" "$f" || WHY+=("$u cannot read $f ($(owner_mode "$f"))"); done
}
secrets_verdict() {  # NAME DETAIL-IF-PASS
    if [ ${#WHY[@]} = 0 ]; then verdict "$1" pass "$2"; else verdict "$1" fail "${WHY[*]}"; fi
}

# Step 1 leaves ca.key in the broker's directory until ca-offline moves it: seen there first.
CA_KEY_AT_BROKER=()
note_ca_key_at_broker() {
    local WHY=()
    expect $BROKER_DIR/ca.key "root:root 600"
    unreadable_by $BROKER_DIR/ca.key mosquitto
    # The same account reads the broker's own key: the check can tell a refusal from a failure.
    readable_by $BROKER_DIR/server.key mosquitto
    CA_KEY_AT_BROKER=("${WHY[@]}")
    echo "ca.key after step 1: $(owner_mode $BROKER_DIR/ca.key)${WHY[*]:+ (${WHY[*]})}"
}

check_ca_key() {
    local WHY=("${CA_KEY_AT_BROKER[@]}")
    breaking modes && chmod 0644 "$CA_MEDIA/ca.key"
    [ -e $BROKER_DIR/ca.key ] && WHY+=("ca.key still in $BROKER_DIR")
    expect "$CA_MEDIA" "root:root 700"
    expect "$CA_MEDIA/ca.key" "root:root 600"
    unreadable_by "$CA_MEDIA/ca.key" mosquitto $LEDGER maria fabweb
    secrets_verdict ca-key-root-only "root:root 600 in $BROKER_DIR after step 1 (mosquitto refused, reads server.key), then only on the CA media, root:root 600"
}

check_acl_signing_key() {
    local WHY=() k=/etc/fabledger/acl-signing.key
    breaking modes && chmod 0640 $k
    expect $k "fabledger:fabledger 600"
    readable_by $k $LEDGER
    unreadable_by $k maria fabweb fabgate mosquitto
    secrets_verdict acl-signing-key-ledger-only "fabledger:fabledger 600: fabledger (as its unit runs it) reads it; maria, fabweb, fabgate, mosquitto refused"
}

check_broker_passwords() {
    local WHY=() d=/etc/fabledger
    breaking modes && chmod 0644 $d/broker.pass
    expect $BROKER_DIR "root:mosquitto 750"
    expect $BROKER_DIR/passwd "root:mosquitto 640"
    expect $BROKER_DIR/server.key "root:mosquitto 640"
    readable_by $BROKER_DIR/passwd mosquitto
    unreadable_by $BROKER_DIR/passwd maria $LEDGER fabweb
    expect $d/broker.pass "fabledger:* 600"
    readable_by $d/broker.pass $LEDGER
    unreadable_by $d/broker.pass maria fabweb
    expect $d/fabctl/maria.pass "maria:root 600"
    expect $d/fabctl/maria.json "maria:root 600"
    unreadable_by $d/fabctl/maria.pass fabweb $LEDGER
    expect $d/fabctl/console.pass "fabweb:root 600"
    unreadable_by $d/fabctl/console.pass maria $LEDGER
    secrets_verdict broker-passwords-private "broker passwd root:mosquitto 640; the ledger's broker.pass fabledger 600, maria's and the console's their own 600, each refused to the others"
}

check_ledger_db() {
    local WHY=() dir=/var/lib/fabledger f
    breaking modes && chmod 0664 $dir/ledger.db
    expect $dir "fabledger:fabgate-managers 2770"
    for f in $dir/ledger.db $dir/ledger.db-wal $dir/ledger.db-shm; do
        [ -e "$f" ] || { [ "$f" = $dir/ledger.db ] && WHY+=("$f missing"); continue; }
        expect "$f" "*:fabgate-managers 660"
    done
    readable_by $dir/ledger.db $LEDGER maria fabweb
    unreadable_by $dir/ledger.db nobody fabgate mosquitto
    secrets_verdict ledger-db-private "$(owner_mode $dir/ledger.db) (and -wal, -shm): fabledger, maria and fabweb read it; nobody, fabgate, mosquitto refused"
}

# On the gates (laser-1 enrolled with a password, printer-2 with a certificate too), and what
# fabgate-enrol-gate left on the central host until it is deleted.
check_gate_secrets() {
    local WHY=() e d
    breaking modes && chmod 0644 /etc/fabgate-printer-2/gate.key
    for d in /etc/fabgate /etc/fabgate-printer-2; do
        expect $d "root:fabgate 750"
        expect $d/broker.pass "root:fabgate 640"
        readable_by $d/broker.pass fabgate
        unreadable_by $d/broker.pass nobody
    done
    expect /etc/fabgate-printer-2/gate.key "root:fabgate 640"
    readable_by /etc/fabgate-printer-2/gate.key fabgate
    unreadable_by /etc/fabgate-printer-2/gate.key nobody
    expect /var/lib/fabgate "fabgate:fabgate 700"
    for e in "$WORKDIR/gate-$SITE-laser-1" "$WORKDIR/gate-$SITE-printer-2"; do
        expect "$e" "root:root 700"
        expect "$e/broker.pass" "root:root 600"
    done
    # printer-2's key was made on its gate (docs/deploy.md, gate-csr-request): never here.
    [ ! -e "$WORKDIR/gate-$SITE-printer-2/gate.key" ] || WHY+=("printer-2's key is in its enrolment directory on the central host")
    secrets_verdict gate-secrets-private "on the gates broker.pass and gate.key root:fabgate 640 in 0750 dirs (fabgate reads, nobody refused); the enrolment dirs 0700, their broker.pass 0600, no gate key there"
}

# printer-2 was enrolled from a certificate request with ca.key on its media only, and connects
# to the listener that requires a certificate (docs/deploy.md, gate-cert-listener). The check
# restarts it so its connection is a fresh one, then a badge must work.
check_csr_gate() {
    local WHY=() g=printer-2 u=fabgate-printer-2.service f=/etc/fabgate-printer-2/gate.json
    local dir=/etc/fabgate-printer-2 since
    grep -q '"cert_file": "/etc/fabgate-printer-2/gate.crt"' $f || WHY+=("gate.json has no cert_file")
    grep -q '"port": 8884' $f || WHY+=("gate.json does not use port 8884")
    openssl verify -CAfile /etc/fabledger/ca.crt -purpose sslclient $dir/gate.crt >/dev/null 2>&1 ||
        WHY+=("gate.crt does not verify against the site CA for a client")
    [ "$(openssl x509 -in $dir/gate.crt -noout -pubkey 2>/dev/null)" = "$(openssl pkey -in $dir/gate.key -pubout 2>/dev/null)" ] ||
        WHY+=("gate.crt is not for gate.key")
    [ -e "$WORKDIR/gate-$SITE-$g/gate.csr" ] && [ ! -e $BROKER_DIR/ca.key ] ||
        WHY+=("no request was made, or ca.key was on the broker")
    # Without a certificate the listener refuses even the right password (the broker logs the
    # refused handshake: a fault window).
    local pw; pw=$(cat $dir/broker.pass)
    fault_begin
    if mosquitto_sub -h broker.local -p 8884 --cafile /etc/fabledger/ca.crt -u gate-$SITE-$g -P "$pw" \
        -t "fabgate/$SITE/machines/$g/acl" -C 1 -W 8 >/dev/null 2>&1; then
        WHY+=("port 8884 let in a client with no certificate")
    fi
    fault_end
    if breaking csr; then
        cp $f "$OUT/csr-gate.json"
        sed -i 's|, "cert_file": "[^"]*", "key_file": "[^"]*"||' $f
    fi
    since=$(date +%s)
    systemctl restart $u || WHY+=("restart of $u failed")
    # The gate's word and the broker's: connected on 8884, as its user.
    wait_until 60 eval "journalctl -u $u --since @$since --no-pager -o cat | grep -q 'mqtt: connected to broker.local:8884'" ||
        WHY+=("the gate logged no connection to broker.local:8884 within 60 s of a restart")
    journalctl -u mosquitto.service --since "@$since" --no-pager -o cat |
        grep -q "New client connected from .* u'gate-$SITE-$g')" ||
        WHY+=("the broker logged no connection of user gate-$SITE-$g")
    wait_until 30 eval "journalctl -u $u --since @$since --no-pager -o cat | grep -q 'in force ([1-9][0-9]* badges)'" ||
        WHY+=("no access list in force within 30 s of the connection")
    if [ ${#WHY[@]} = 0 ]; then
        nap 3
        one_session $g || WHY+=("a badge did not work")
    fi
    if breaking csr; then
        cp "$OUT/csr-gate.json" $f
        systemctl restart $u
        wait_until 60 unit_active $u
    fi
    secrets_verdict gate-enrolled-by-csr "CA-signed client certificate for gate.key, ca.key offline; 8884 refuses the password alone; restarted, connected, list in force, badge on and off"
    step_end "check: the gate enrolled from a certificate request"
}

run_secret_checks() {
    check_ca_key
    check_acl_signing_key
    check_broker_passwords
    check_ledger_db
    check_gate_secrets
    step_end "check: who may read the secrets"
}
