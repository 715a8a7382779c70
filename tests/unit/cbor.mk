UNIT_TESTS += test_cbor test_msg
test_cbor-objs := agent/cbor.o
test_msg-objs := agent/cbor.o agent/msg.o
