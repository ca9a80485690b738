# SMMUv3 nested stage series on Linux 6.1: workspace entry points.
#
#   make / make demo   build the patched kernel, run it under QEMU, show it
#   make test          every check and test; ends with 'N passed, N failed'
#   make tree          build/linux: base + patches/ (git am -3)
#   make build         the arm64 test kernel (incremental)
#   make kunit         the KUnit suites under QEMU (SUITE=glob for one)
#   make kunit32       the uapi KUnit suite on a 32-bit arm kernel
#   make selftest      the VFIO selftest as init under QEMU
#   make vmm           the RFC's own VMM runs a nested guest (three levels)
#   make deb           linux-image and linux-headers packages for an arm64
#                      host, with Debian's own configuration (1-2 h), then
#                      make vmm with the package's kernel and modules as L1
#   make check         checkpatch, per-patch builds, sparse and W=1
#   make bench         guest invalidations: commands issued vs the minimum
#   make per-patch     each patch's KUnit suites at that patch (about 1 h)
#   make export        patches/ from the tree's commits (cover letter kept)
#   make clean         remove build/ (the kernel tree and every output)

SHELL := /bin/bash
S := scripts

.PHONY: all demo deps tree build kunit boot check test export clean bench selftest per-patch vmm kunit32 deb

all: demo

deps:
	@$(S)/deps.sh

tree: deps
	@$(S)/tree.sh

build: tree
	@$(S)/build.sh

demo: build
	@$(S)/demo.sh

kunit: build
	@: >build/results.txt; $(S)/kunit.sh $(SUITE); $(S)/verdict.py summary

selftest: build
	@: >build/results.txt; $(S)/selftest.sh; $(S)/verdict.py summary

kunit32: tree
	@: >build/results.txt; $(S)/kunit32.sh; $(S)/verdict.py summary

vmm: build
	@: >build/results.txt; $(S)/vmm.sh; $(S)/verdict.py summary

deb: build
	@: >build/results.txt; $(S)/deb.sh && VMM_L1=deb $(S)/vmm.sh; $(S)/verdict.py summary

boot: build
	@: >build/results.txt; $(S)/kunit.sh; $(S)/verdict.py summary

check: tree
	@: >build/results.txt; $(S)/build.sh && $(S)/check.sh; $(S)/verdict.py summary

test: deps
	@$(S)/test.sh

bench: build
	@$(S)/bench.sh

per-patch: tree
	@$(S)/perpatch.sh

export:
	@$(S)/export.sh

clean:
	rm -rf build
