#!/bin/bash
# vm-systemd-test.sh: runs inside the systemd VM (scripts/deb/systemd-vm.sh)
# as a oneshot unit after multi-user.target. The packaged unit under a real
# systemd 252 on a real kernel with SCTP: install (postinst: user, module,
# sysctls, enable, start), Type=notify readiness and STATUS=, an
# association to the packaged sctpctl, the sandbox as the process sees it,
# a reload, the watchdog restarting a stopped loop, a clean stop.
# One "SDTEST ok|FAIL ..." line per check on the serial console, then
# "SDTEST-DONE" and power off.
set -u
exec >/dev/ttyS0 2>&1
ok() { echo "SDTEST ok   $* [$(cut -d" " -f1 /proc/uptime) s]"; }
no() { echo "SDTEST FAIL $* [$(cut -d" " -f1 /proc/uptime) s]"; }
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
	local t=$(($1 * 10))
	shift
	until "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -gt 0 ] || return 1
		sleep 0.1
	done
}
prop() { systemctl show -P "$2" "$1"; }
status_is() { [ "$(prop sctpagent StatusText)" = "$1" ]; }
J() { journalctl -q -o cat -u "$1" --no-pager; }

echo "SDTEST-BEGIN systemd $(systemctl --version | head -n1 | cut -d' ' -f2) kernel $(uname -r), test started at ${UPTIME:-$(cut -d' ' -f1 /proc/uptime)} s uptime"
cd /root
if dpkg -i sctpagent_*.deb sctpctl_*.deb >dpkg.log 2>&1; then ok "dpkg -i sctpagent sctpctl"; else no "dpkg -i: $(tail -5 dpkg.log)"; fi
[ -d /proc/net/sctp ] && ok "postinst loaded sctp" || no "no /proc/net/sctp after install"
[ "$(sysctl -n net.sctp.addip_enable) $(sysctl -n net.sctp.auth_enable) $(sysctl -n net.sctp.intl_enable)" = "1 1 1" ] &&
	ok "postinst applied the sysctls" || no "sysctls: $(sysctl net.sctp.addip_enable net.sctp.auth_enable net.sctp.intl_enable)"
[ "$(systemctl is-enabled sctpagent)" = enabled ] && ok "unit enabled" || no "unit $(systemctl is-enabled sctpagent)"
# as shipped: it runs, and says why nothing is connected
if wait_for 10 status_is "0/1 controllers up, 0 sensors; down: main" &&
	J sctpagent | grep -q "'controller.invalid' does not resolve"; then
	ok "as shipped: active, status '$(prop sctpagent StatusText)'"
else
	no "as shipped: $(prop sctpagent ActiveState)/$(prop sctpagent SubState), '$(prop sctpagent StatusText)'"
fi

# a controller of its own, and a file that points the agent at it
systemd-run --quiet --unit=ctl /usr/sbin/sctpctl -l 127.0.0.1 -n vm
listening() { awk 'NR > 1 && $6 == 9910 { f = 1 } END { exit !f }' /proc/net/sctp/eps; }
wait_for 10 listening || no "sctpctl does not listen: $(J ctl | tail -3)"
cat >/etc/sctpagent/sctpagent.ini <<'EOF'
[agent]
name = vm-board
reconnect_min_ms = 300
[controller.c1]
address = localhost, 127.0.0.1
[sensor.count]
driver = simulated
source = counter:start=1
interval_ms = 200
EOF
t0=$(date +%s%N)
systemctl restart sctpagent	# Type=notify: returns once READY=1 came
t1=$(date +%s%N)
[ "$(prop sctpagent ActiveState)" = active ] && ok "restart returned active after $(((t1 - t0) / 1000000)) ms (READY=1)" ||
	no "after restart: $(prop sctpagent ActiveState) $(J sctpagent | tail -3)"
if wait_for 10 status_is "1/1 controllers up, 1 sensors"; then
	ok "StatusText: $(prop sctpagent StatusText)"
else
	no "StatusText '$(prop sctpagent StatusText)'"
fi
readings() { J ctl | grep -q '"agent":"vm-board".*"seq"'; }
wait_for 10 readings &&
	ok "readings at the controller" || no "no readings: $(J ctl | tail -3)"
J sctpagent | grep -q "'localhost' is .*127.0.0.1" && ok "host name resolved through /etc/hosts" ||
	no "localhost not resolved: $(J sctpagent | grep -i resolve | tail -2)"

# the sandbox, from the process's side
pid=$(prop sctpagent MainPID)
st=/proc/$pid/status
u=$(awk '/^Uid:/ { print $2 }' $st)
[ "$u" = "$(id -u sctpagent)" ] && ok "runs as sctpagent (uid $u)" || no "uid $u"
grep -q '^CapEff:[[:space:]]*0000000000000000$' $st && grep -q '^CapBnd:[[:space:]]*0000000000000000$' $st &&
	ok "no capability (effective and bounding)" || no "capabilities: $(grep ^Cap $st | tr '\n' ' ')"
grep -q '^NoNewPrivs:[[:space:]]*1$' $st && grep -q '^Seccomp:[[:space:]]*2$' $st &&
	ok "NoNewPrivs and a seccomp filter" || no "$(grep -E '^(NoNewPrivs|Seccomp):' $st | tr '\n' ' ')"
g=$(awk '/^Groups:/ { $1 = ""; print }' $st)
for grp in gpio i2c; do
	case " $g " in *" $(getent group $grp | cut -d: -f3) "*) ok "in group $grp" ;; *) no "not in $grp ($g)" ;; esac
done
[ "$(stat -c '%U %a' /var/lib/sctpagent)" = "sctpagent 750" ] && ok "StateDirectory /var/lib/sctpagent" || no "$(stat -c '%U %a' /var/lib/sctpagent)"
[ "$(stat -c '%U %a' /run/sctpagent)" = "sctpagent 750" ] && ok "RuntimeDirectory /run/sctpagent" || no "/run/sctpagent: $(stat -c '%U %a' /run/sctpagent 2>&1)"
if J sctpagent | grep -Eiq 'not permitted|permission denied|bad system call|EPERM'; then
	no "denied by the sandbox: $(J sctpagent | grep -Ei 'not permitted|permission denied|bad system call' | head -3)"
else
	ok "nothing denied by the sandbox (syscall filter, address families, file system)"
fi
score=$(systemd-analyze security sctpagent 2>/dev/null | sed -n 's/.*Overall exposure level for sctpagent.service: \([0-9.]*\).*/\1/p')
echo "SDTEST note systemd-analyze security (live): $score"

# sctpagent status over the socket in RuntimeDirectory, as root
[ "$(stat -c '%U %a' /run/sctpagent/status.sock 2>&1)" = "sctpagent 660" ] && ok "status socket sctpagent 0660" ||
	no "status socket: $(stat -c '%U %a' /run/sctpagent/status.sock 2>&1)"
if sctpagent status >status.txt 2>&1 && grep -q "^c1  *up " status.txt; then
	ok "sctpagent status: $(grep "^c1" status.txt | cut -c1-60)"
else
	no "sctpagent status: $(head -3 status.txt)"
fi
sctpagent status --json | grep -q '"controller":"c1","state":"up"' && ok "sctpagent status --json" ||
	no "status --json: $(sctpagent status --json 2>&1 | cut -c1-200)"

# reload: RELOADING=1 ... READY=1; the same process
systemctl reload sctpagent && [ "$(prop sctpagent MainPID)" = "$pid" ] && [ "$(prop sctpagent ActiveState)" = active ] &&
	J sctpagent | grep -q 'reload of /etc/sctpagent/sctpagent.ini done' &&
	ok "systemctl reload: same process, re-read" || no "reload: $(J sctpagent | tail -3)"

# the watchdog: a stopped loop is killed (SIGABRT stays pending on a
# stopped process: the SIGKILL of TimeoutAbortSec= ends it) and restarted
mkdir -p /run/systemd/system/sctpagent.service.d
printf '[Service]\nWatchdogSec=2s\nTimeoutAbortSec=1s\nRestartSec=1s\n' \
	>/run/systemd/system/sctpagent.service.d/wd.conf
systemctl daemon-reload
systemctl restart sctpagent
pid=$(prop sctpagent MainPID)
n0=$(prop sctpagent NRestarts)
kill -STOP "$pid"
restarted() { [ "$(prop sctpagent NRestarts)" -gt "$n0" ] && [ "$(prop sctpagent ActiveState)" = active ]; }
if wait_for 20 restarted; then
	ok "watchdog: a stopped loop was killed and restarted ($(journalctl -q -o cat -u sctpagent | grep -c 'Watchdog timeout') 'Watchdog timeout')"
else
	no "watchdog: NRestarts $(prop sctpagent NRestarts), $(prop sctpagent ActiveState)"
fi
rm -rf /run/systemd/system/sctpagent.service.d
systemctl daemon-reload

# stop: EOF on every association, exit 0
systemctl stop sctpagent
[ "$(prop sctpagent Result)" = success ] && [ "$(prop sctpagent ExecMainStatus)" = 0 ] &&
	ok "stop: exit 0" || no "stop: Result $(prop sctpagent Result), status $(prop sctpagent ExecMainStatus)"
J ctl | grep -q '"state":"shutdown_comp"' && ok "the controller saw SHUTDOWN_COMPLETE" || no "no graceful close at the controller"

# remove and purge are checked in the arm64 root file system, file by
# file (scripts/deb/chroot-test.sh); under this emulated CPU they are a
# minute of perl (deluser, delgroup, deb-systemd-helper) for nothing new
systemctl stop ctl
echo "SDTEST note slowest boot units: $(systemd-analyze blame 2>/dev/null | head -n 5 | awk '{ printf "%s %s; ", $2, $1 }')"
echo "SDTEST-DONE at $(cut -d' ' -f1 /proc/uptime) s uptime"
systemctl poweroff --force --force
