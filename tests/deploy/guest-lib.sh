# Helpers of tests/deploy/guest-run (sourced, bash): timing, verdicts, gpio-sim, the doc's
# blocks, the gates' wiring, badges and the relay as seen from outside.
# The docs whose `<!-- rehearse: NAME -->` blocks are run (names are unique across them).
DOCS=("$R/deploy.md" "$R/console.md")
WORKDIR=/srv/rehearse          # where the .debs are and fabgate-enrol-gate writes its output
SITE=lab
MEMBER_CARD=2A1234             # Wiegand-26 number; the gate reads it as UID 2A1234
STRANGER_CARD=0B0B0B           # a badge nobody holds
declare -A CHIP SIM UNIT CONF
UNIT[laser-1]=fabgate.service
UNIT[printer-2]=fabgate-printer-2.service
CONF[laser-1]=/etc/fabgate/gate.json
CONF[printer-2]=/etc/fabgate-printer-2/gate.json
RELAY=17 D0=23 D1=24           # the lines a Pi HAT would use (docs/wiring.md)
PASSED=0 FAILED=0
FAILED_NAMES=()

# ---- time -----------------------------------------------------------------------------------
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
STEP_MS=$(now_ms)
step_begin() { STEP_MS=$(now_ms); }
step_end() {
    local t; t=$(now_ms)
    printf 'REHEARSE STEP %s: %d.%03d s\n' "$1" $(((t - STEP_MS) / 1000)) $(((t - STEP_MS) % 1000))
    STEP_MS=$t
}
# Sleeps without a fork (a fork costs milliseconds under TCG): read times out on a fifo.
mkfifo /run/rehearse-tick 2>/dev/null || true
exec 9<>/run/rehearse-tick
nap() { read -r -t "$1" -u 9 _ || true; }
# wait_until SECONDS COMMAND...: true once COMMAND succeeds, false after SECONDS.
wait_until() {
    local deadline=$(($(now_ms) + $1 * 1000)); shift
    until "$@"; do
        (($(now_ms) > deadline)) && return 1
        nap 0.2
    done
}

# ---- verdicts -------------------------------------------------------------------------------
verdict() {  # NAME pass|fail DETAIL
    if [ "$2" = pass ]; then
        PASSED=$((PASSED + 1)); echo "REHEARSE VERDICT $1: PASS ($3)"
    else
        FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1"); echo "REHEARSE VERDICT $1: FAIL ($3)"
    fi
}
fatal() {
    echo "REHEARSE FATAL: $*"
    FAILED=$((FAILED + 1)); FAILED_NAMES+=("setup")
    exit 1
}
finish() {
    journalctl -b --no-pager -o short-precise >"$OUT/journal.txt" 2>&1
    echo "REHEARSE RESULT: $PASSED passed, $FAILED failed${FAILED_NAMES[*]:+ (${FAILED_NAMES[*]})}"
    sync
    systemctl poweroff --no-block
}

# ---- gpio-sim ---------------------------------------------------------------------------------
# One simulated chip per gate, 28 lines like a Pi's header; the Wiegand lines idle high.
make_sim_chip() {
    local g=$1 c=/sys/kernel/config/gpio-sim/$1
    mkdir "$c" "$c/bank0" || return 1
    echo 28 >"$c/bank0/num_lines"
    echo "sim-$g" >"$c/bank0/label"
    echo 1 >"$c/live" || return 1
    CHIP[$g]=$(cat "$c/bank0/chip_name")
    SIM[$g]=/sys/devices/platform/$(cat "$c/dev_name")/${CHIP[$g]}
    "$R/deploy/wiegand-send" "${SIM[$g]}" $D0 $D1 --idle
}
relay() { local v; read -r v <"${SIM[$1]}/sim_gpio$RELAY/value"; echo "$v"; }
relay_is() { [ "$(relay "$1")" = "$2" ]; }
badge() { "$R/deploy/wiegand-send" "${SIM[$1]}" $D0 $D1 "$2"; }
# badge_expect GATE CARD LEVEL SECONDS: presents the card, true if the relay shows LEVEL within
# SECONDS. A frame lost under emulation is sent again once (said so).
badge_expect() {
    local try
    for try in 1 2 3; do
        badge "$1" "$2"
        wait_until "$4" relay_is "$1" "$3" && return 0
        [ "$3" = 0 ] && return 1   # staying off is checked by the caller
        echo "  ($1: badge $2 gave no relay $3 within $4 s, try $try)"
    done
    return 1
}
# True if the relay stays at LEVEL for SECONDS.
relay_stays() {
    local deadline=$(($(now_ms) + $3 * 1000))
    while (($(now_ms) < deadline)); do relay_is "$1" "$2" || return 1; nap 0.05; done
}
main_pid() { systemctl show -p MainPID --value "${UNIT[$1]}"; }
unit_active() { [ "$(systemctl is-active "$1")" = active ]; }
gate_has_acl() { journalctl -b -u "${UNIT[$1]}" --no-pager -o cat | grep -q 'in force ([1-9][0-9]* badges)'; }

# ---- docs/deploy.md and docs/console.md ------------------------------------------------------
# The ```sh block after `<!-- rehearse: NAME -->`, in whichever doc has it.
doc_block() {
    awk -v m="<!-- rehearse: $1 -->" '$0 == m { f = 1; next }
        f == 1 && /^```sh/ { f = 2; next } f == 2 && /^```/ { exit } f == 2 { print }' "${DOCS[@]}"
}
# run_doc NAME [FROM TO]...: runs the block with each FROM replaced by TO; a FROM that is not
# in the block is an error (the doc changed: the rehearsal must change with it). A line with
# `# then edit` ends a part: edit_NAME runs there, as the reader would edit, then the rest.
run_doc() {
    local name=$1 text; shift
    text=$(doc_block "$name")
    [ -n "$text" ] || { echo "no doc has a block marked '<!-- rehearse: $name -->'"; return 1; }
    while (($# >= 2)); do
        [[ $text == *"$1"* ]] || { echo "the doc's block '$name' no longer has: $1"; return 1; }
        text=${text//"$1"/"$2"}
        shift 2
    done
    local first=$text rest=
    if grep -q '# then edit' <<<"$text"; then
        first=$(sed -n '1,/# then edit/p' <<<"$text")
        rest=$(sed '1,/# then edit/d' <<<"$text")
    fi
    echo "--- the doc's block '$name':"
    doc_part "$name" "$first" || return 1
    if [ -n "$rest" ]; then
        "edit_$name" || { echo "editing after block '$name' failed"; return 1; }
        doc_part "$name" "$rest" || return 1
    fi
}
# Runs one part of a block. When it fails, the doc as written is wrong: that is recorded for
# the doc-steps-as-written verdict, and if repair_NAME knows the fault it mends it so the
# checks after can still run.
DOC_FAULTS=()
doc_part() {
    (cd "$WORKDIR" && bash -e -x -c "$2" </dev/null) && return 0
    DOC_FAULTS+=("$1")
    declare -F "repair_$1" >/dev/null || return 1
    echo "--- block '$1' failed as written; repairing it to go on (the verdict stays FAIL)"
    "repair_$1"
}
# Stock Debian 12's mosquitto.conf already sets persistence_location; the broker refuses a
# second one and does not start.
repair_broker() {
    journalctl -u mosquitto.service --no-pager -n 5 -o cat
    sed -i 's/^persistence_location/#&/' /etc/mosquitto/conf.d/fabgate.conf
    systemctl restart mosquitto
}

# What step 2 says to edit in ledger.json. The ledger's password goes in a file of its own, and
# the CA certificate is copied next to it: /etc/mosquitto/fabgate is closed to the ledger's user.
edit_ledger() {
    local f=/etc/fabledger/ledger.json
    install -o root -g root -m 0644 /etc/mosquitto/fabgate/ca.crt /etc/fabledger/ca.crt
    (umask 077 && printf '%s\n' "$LEDGER_PW" >/etc/fabledger/broker.pass)
    chown fabledger:fabledger /etc/fabledger/broker.pass
    sed -i -e 's|"host": "127.0.0.1"|"host": "localhost"|' -e 's|"port": 1883|"port": 8883|' \
        -e 's|"client_id": "fabledger",|"client_id": "fabledger", "username": "fabledger", "password_file": "/etc/fabledger/broker.pass", "tls": {"ca_file": "/etc/fabledger/ca.crt"},|' \
        -e 's|^\(  "database": .*\),$|\1, "acl_signing_key_file": "/etc/fabledger/acl-signing.key",|' "$f"
    grep -q '"port": 8883' "$f" && grep -q '"password_file"' "$f" && grep -q acl_signing_key_file "$f" ||
        { echo "ledger.json example changed: cannot edit it"; cat "$f"; return 1; }
    cat "$f"
}

# What docs/console.md says to edit in fabweb.json: the broker section fabgate-enrol-gate
# --console wrote replaces the example's (anonymous, clear text); the rest stays the example's.
edit_console() {
    local f=/etc/fabledger/fabweb.json src=/etc/fabledger/fabctl/console.json section
    section=$(sed -n '/^  "broker": {/,/^  }/p' "$src")
    [ -n "$section" ] || { echo "$src has no broker section"; cat "$src"; return 1; }
    awk -v s="$section" '/^  "broker": \{/ { skip = 1; print s ","; next }
        skip && /^  \},?$/ { skip = 0; next } !skip' "$f" >"$f.new" && mv "$f.new" "$f"
    grep -q '"username": "console"' "$f" && grep -q '"port": 8883' "$f" && grep -q '"log_level"' "$f" ||
        { echo "fabweb.json example changed: cannot edit it"; cat "$f"; return 1; }
    cat "$f"
}

# "check its hardware section against the wiring": a Wiegand reader on D0/D1 and the relay,
# all on this gate's simulated chip.
wire_gate() {
    local g=$1 f=$2 c=${CHIP[$1]}
    sed -i -e "s|\"reader\": {\"type\": \"rdm6300\", \"device\": \"/dev/serial0\"}|\"reader\": {\"type\": \"wiegand\", \"d0\": {\"chip\": \"$c\", \"line\": $D0, \"bias\": \"pull_up\", \"debounce_ms\": 0}, \"d1\": {\"chip\": \"$c\", \"line\": $D1, \"bias\": \"pull_up\", \"debounce_ms\": 0}}|" \
        -e "s|\"relay\": {\"chip\": \"gpiochip0\", \"line\": 17}|\"relay\": {\"chip\": \"$c\", \"line\": $RELAY}|" "$f"
    grep -q wiegand "$f" && grep -q "\"chip\": \"$c\", \"line\": $RELAY" "$f" ||
        { echo "the enrolled gate.json changed shape: cannot wire it"; cat "$f"; return 1; }
}

# The second gate stands for a second Pi: same package, same steps, its own copy of the unit,
# config directory and journal, so two gates run side by side in one guest.
second_gate() {
    local g=$1 dir=/etc/fabgate-$1 src=$WORKDIR/gate-$SITE-$1
    sed -i -e "s|/etc/fabgate/|$dir/|g" -e "s|/var/lib/fabgate/|/var/lib/fabgate-$g/|" "$src/gate.json"
    wire_gate "$g" "$src/gate.json" || return 1
    sed -e "s|/etc/fabgate/|$dir/|g" -e "s/^\(StateDirectory\|ConfigurationDirectory\|RuntimeDirectory\)=fabgate\$/\1=fabgate-$g/" \
        /lib/systemd/system/fabgate.service >"/etc/systemd/system/fabgate-$g.service"
    install -d -o root -g fabgate -m 0750 "$dir"
    install -o root -g fabgate -m 0640 "$src"/* "$dir/"
    fabgate --check-config "$dir/gate.json" || return 1
    systemctl daemon-reload
    systemctl start "fabgate-$g.service" || return 1
}

# fabctl as the lab's manager maria, as docs/deploy.md says: her own Unix account, the ledger's
# database through the fabgate-managers group, the broker as manager-maria
# (/etc/fabledger/fabctl/maria.json, from --actor: sudo sets SUDO_USER to root).
fabctl_mgr() { sudo -u maria fabctl --config /etc/fabledger/ledger.json --actor maria "$@"; }
# The manager's own Unix account, which docs/deploy.md's manager block takes as existing.
manager_account() { id maria >/dev/null 2>&1 || useradd --create-home --shell /bin/bash maria; }

register_members() {
    wait_until 60 test -s /var/lib/fabledger/ledger.db || { echo "the ledger made no database"; return 1; }
    fabctl_mgr machines add "$SITE/laser-1" --name "Laser cutter" &&
        fabctl_mgr machines add "$SITE/printer-2" --name "Printer" &&
        fabctl_mgr members add m-1 --name "Rehearsal Member" &&
        fabctl_mgr badges assign "$MEMBER_CARD" m-1 &&
        fabctl_mgr rights grant m-1 laser-1 &&
        fabctl_mgr rights grant m-1 printer-2
}
