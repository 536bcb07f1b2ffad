#  dispatchd (issue 6): the daemon, its CLI and its tests, beside the solver.
#  Included from CMakeLists.txt; links as_vrp through its public header only.
set(DISPATCH_MODULES
  src/dispatch_shift.c
  src/dispatch_fleet.c
  src/dispatch_plan.c
  src/dispatch_visits.c
  src/dispatch_events.c)

add_executable(dispatchd src/dispatchd.c ${DISPATCH_MODULES})
target_include_directories(dispatchd PRIVATE src)
target_link_libraries(dispatchd PRIVATE aftersales as_vrp)
as_embed_migrations(dispatchd dispatch_migrations ${CMAKE_CURRENT_SOURCE_DIR}/sql)

add_executable(dispatchctl src/dispatchctl.c src/dispatch_shift.c src/dispatch_csv.c)
target_include_directories(dispatchctl PRIVATE src)
target_link_libraries(dispatchctl PRIVATE aftersales)

#  Unit tests of the pure rules (life cycle, distances, CSV import).
add_executable(dispatch_rules_test tests/dispatch_rules_test.c src/dispatch_csv.c ${DISPATCH_MODULES})
target_include_directories(dispatch_rules_test PRIVATE src)
target_link_libraries(dispatch_rules_test PRIVATE aftersales as_vrp)
add_test(NAME dispatch.rules COMMAND dispatch_rules_test)
set_tests_properties(dispatch.rules PROPERTIES TIMEOUT 30 LABELS dispatch)

#  Integration tests: real PostgreSQL, real daemons (as_harness).
foreach(t slots offers lifecycle replan flow cli two_instances rota)
  add_executable(dispatch_test_${t} tests/dispatch_test_${t}.c)
  target_link_libraries(dispatch_test_${t} PRIVATE as_harness)
  add_test(NAME dispatch.${t} COMMAND dispatch_test_${t})
  set_tests_properties(dispatch.${t} PROPERTIES TIMEOUT 300 LABELS "dispatch;integration")
endforeach()
target_link_libraries(dispatch_test_two_instances PRIVATE Threads::Threads)
target_compile_definitions(dispatch_test_cli PRIVATE AS_DISPATCH_DIR="${CMAKE_CURRENT_SOURCE_DIR}")

#  What operators type and intake sends: whole texts, clear refusals, the
#  offer horizon, the engineers' file checked line by line.
add_executable(dispatch_test_input tests/dispatch_test_input.c)
target_link_libraries(dispatch_test_input PRIVATE as_harness)
add_test(NAME dispatch.input COMMAND dispatch_test_input)
set_tests_properties(dispatch.input PROPERTIES TIMEOUT 300 LABELS "dispatch;integration")
