# Developer and CI entry points. `make demo` and `make check` are the two
# commands at the top of README.md; both set the machine up first.
R ?= R
RSCRIPT ?= Rscript
VERSION := $(shell sed -n 's/^Version: *//p' DESCRIPTION)
TARBALL := propgrad_$(VERSION).tar.gz
DEMO_DIR ?= propgrad-demo
CPP_BUILD ?= tests/cpp/build

.PHONY: setup build install demo test cpp-test check clean

setup:
	bash tools/setup.sh

# R CMD build also builds the vignettes, so they are checked on every install.
build:
	MAKEFLAGS=-j2 $(R) CMD build .

install: build
	MAKEFLAGS=-j2 $(R) CMD INSTALL $(TARBALL)

demo: setup install
	$(RSCRIPT) -e 'propgrad::run_example_study("$(DEMO_DIR)")'

cpp-test:
	cmake -S tests/cpp -B $(CPP_BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(CPP_BUILD) -j2
	ctest --test-dir $(CPP_BUILD) --output-on-failure

test:
	$(RSCRIPT) tools/run-tests.R

check: setup install cpp-test test

clean:
	rm -rf $(CPP_BUILD) $(TARBALL) propgrad.Rcheck $(DEMO_DIR) src/*.o src/*.so src/core/*.o
