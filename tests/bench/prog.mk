# bench_tput: the agent's uplink throughput against a raw ps_send loop on
# the same port (tests/bench/bench_tput.c, run by bench_tput.sh in the VM).
PROGS += bench_tput
bench_tput-objs := tests/bench/bench_tput.o $(filter-out agent/main.o,$(sort $(objs)))
