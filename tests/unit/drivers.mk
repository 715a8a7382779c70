# The Linux sensor drivers: sysfs ones on fixture trees (tests/data/sysfs),
# BME280 on a fake register file, GPIO on a fake chip.
UNIT_TESTS += test_drivers test_drivers_bme280 test_drivers_gpio test_drivers_bus
test_drivers-objs := $(BOARD_OBJS) tests/fake/fake_clock.o
test_drivers_bme280-objs := $(BOARD_OBJS) tests/fake/fake_clock.o
test_drivers_gpio-objs := $(BOARD_OBJS) tests/fake/fake_clock.o
test_drivers_bus-objs := $(BOARD_OBJS) tests/fake/fake_clock.o
