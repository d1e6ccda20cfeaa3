# Developer and CI entry points. `make demo` and `make check` are the two
# commands at the top of README.md; both set the machine up first.
R ?= R
RSCRIPT ?= Rscript
VERSION := $(shell sed -n 's/^Version: *//p' DESCRIPTION)
TARBALL := propgrad_$(VERSION).tar.gz
DEMO_DIR ?= propgrad-demo
CPP_BUILD ?= tests/cpp/build
SAN_BUILD ?= tests/cpp/build-sanitize
NOTORCH_LIB ?= $(CURDIR)/.notorch-lib
CHECK_DIR ?= $(CURDIR)/.rcheck

.PHONY: setup build install demo test cpp-test sanitize fuzz rcmdcheck notorch-test check site ci clean

setup:
	bash tools/setup.sh

# R CMD build also builds the vignettes, so they are checked on every install.
# "Models and interventions" runs a TorchScript model, so the build's own
# install detects LibTorch like any other (the tarball holds sources only).
$(TARBALL):
	MAKEFLAGS=-j2 $(R) CMD build .

build:
	rm -f $(TARBALL)
	$(MAKE) $(TARBALL)

install: build
	MAKEFLAGS=-j2 $(R) CMD INSTALL $(TARBALL)

demo: setup install
	$(RSCRIPT) -e 'propgrad::run_example_study("$(DEMO_DIR)", overwrite = TRUE)'

cpp-test:
	cmake -S tests/cpp -B $(CPP_BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(CPP_BUILD) -j2
	ctest --test-dir $(CPP_BUILD) --output-on-failure

test:
	$(RSCRIPT) tools/run-tests.R

# The core's GoogleTest suite under AddressSanitizer and UBSan (any report fails).
sanitize:
	cmake -S tests/cpp -B $(SAN_BUILD) -DPROPGRAD_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(SAN_BUILD) -j2
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(SAN_BUILD) --output-on-failure

# A short libFuzzer run over the kept corpus (tools/fuzz.sh 600 by hand).
FUZZ_SECONDS ?= 60
fuzz:
	bash tools/fuzz.sh $(FUZZ_SECONDS) --ci

# R CMD check --as-cran on the built tarball; fails on any ERROR or WARNING.
rcmdcheck: build
	rm -rf $(CHECK_DIR) && mkdir -p $(CHECK_DIR)
	_R_CHECK_CRAN_INCOMING_REMOTE_=false _R_CHECK_SYSTEM_CLOCK_=0 MAKEFLAGS=-j2 \
	  $(R) CMD check --as-cran --no-manual -o $(CHECK_DIR) $(TARBALL)
	bash tools/check-status.sh $(CHECK_DIR)/propgrad.Rcheck/00check.log

# A second build without LibTorch, in its own library, with its own tests:
# the torch functions must raise propgrad_error_torch_unavailable.
notorch-test: $(TARBALL)
	rm -rf $(NOTORCH_LIB) && mkdir -p $(NOTORCH_LIB)
	PROPGRAD_NO_TORCH=1 MAKEFLAGS=-j2 $(R) CMD INSTALL --library=$(NOTORCH_LIB) $(TARBALL)
	R_LIBS=$(NOTORCH_LIB) PROPGRAD_EXPECT_TORCH=0 $(RSCRIPT) tools/run-tests.R

check: setup install cpp-test test

# The pkgdown site in site/ (see _pkgdown.yml), offline, with the examples and
# vignettes run by the installed propgrad: `make install` first (CI: the
# check stage's install). Fails on any pkgdown error or warning, then checks
# the pages and that they load nothing from the network.
site:
	$(RSCRIPT) tools/build-site.R
	$(RSCRIPT) tools/check-site.R

# Everything .ci/run needs beyond `make check` and `make site` (which it runs last).
ci: setup sanitize fuzz rcmdcheck notorch-test

clean:
	rm -rf site $(CPP_BUILD) $(SAN_BUILD) $(NOTORCH_LIB) $(CHECK_DIR) $(TARBALL) propgrad.Rcheck $(DEMO_DIR) src/*.o src/*.so src/core/*.o
