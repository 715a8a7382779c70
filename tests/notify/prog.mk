# A stand-in for systemd's notification socket (VM scenario systemd_notify).
PROGS += notify_listen
notify_listen-objs := tests/notify/notify_listen.o
notify_listen-libs :=
