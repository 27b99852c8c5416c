# Thin wrappers over npm scripts and the distlab CLI. `make demo` and `make test` are the quickstart.
LAB ?= 01
TARGET ?= labs
FORMAT ?= text

.PHONY: setup demo test grade bench mutate lint typecheck starter export export-update doctor

# npm ci installs the locked dependencies, Node 24 among them (the `node` package from the npm registry):
# every npm script and npx command below then runs on it, whatever Node the machine has.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

setup: node_modules/.package-lock.json

demo: setup
	npx distlab demo $(DEMO_FLAGS)

test: setup
	npm test

grade: setup
	npx distlab grade $(LAB) --target $(TARGET) --format $(FORMAT)

bench: setup
	npx distlab bench all

mutate: setup
	npx distlab mutate all

lint: setup
	npm run lint

typecheck: setup
	npm run typecheck

starter: setup
	npx distlab starter

# make export DIR=../student THROUGH=02 [REFERENCE=01]; make export-update DIR=../student THROUGH=03 REFERENCE=02
export: setup
	npx distlab export --student $(DIR) $(if $(THROUGH),--through $(THROUGH)) $(if $(REFERENCE),--reference-through $(REFERENCE))

export-update: setup
	npx distlab export --update $(DIR) $(if $(THROUGH),--through $(THROUGH)) $(if $(REFERENCE),--reference-through $(REFERENCE))

doctor: setup
	npx distlab doctor
