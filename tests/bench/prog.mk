# Host micro-benchmarks of the outbox (scripts/bench-outbox.sh, make bench).
OUTBOX_OBJS := agent/crc32c.o agent/outbox.o agent/outbox_ack.o \
	agent/outbox_tab.o agent/outbox_fmt.o \
	agent/outbox_open.o agent/outbox_iter.o agent/outbox_mem.o agent/log.o
PROGS += outbox_bench_io outbox_bench_wear
outbox_bench_io-objs := tests/bench/outbox_bench_io.o $(OUTBOX_OBJS) \
	port/posix/file.o port/posix/clock.o port/posix/log.o \
	port/posix/thread.o
outbox_bench_wear-objs := tests/bench/outbox_bench_wear.o $(OUTBOX_OBJS) \
	tests/fake/fake_file.o tests/fake/fake_clock.o tests/fake/fake_log.o

# bench_tput: the agent's uplink throughput against a raw ps_send loop on
# the same port (tests/bench/bench_tput.c, run by bench_tput.sh in the VM).
PROGS += bench_tput
bench_tput-objs := tests/bench/bench_tput.o $(filter-out agent/main.o,$(sort $(objs)))
