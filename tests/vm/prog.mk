# VM test tools (tests/vm/README.md): copied into the VM's /bin by run-all.sh.
PROGS += vm_stallmon
vm_stallmon-objs := tests/vm/tools/stallmon.o
vm_stallmon-libs := -lpthread
