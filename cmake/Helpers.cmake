# edgeface_test(NAME SOURCES... LIBS ...): a GoogleTest binary registered with CTest.
# Tests run with the repository root as working directory, so ../shared/data resolves as in CI.
function(edgeface_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT EDGEFACE_TESTS)
    return()
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}"
               ENVIRONMENT "EDGEFACE_BIN=${CMAKE_BINARY_DIR}/bin/edgeface;EDGEFACE_ROOT=${CMAKE_SOURCE_DIR}")
endfunction()

# edgeface_fuzzer(NAME SOURCES... LIBS ...): a libFuzzer binary, built only with EDGEFACE_FUZZ=ON (clang).
# Its corpus lives in fuzz/corpus/NAME and is kept in the repository.
function(edgeface_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT EDGEFACE_FUZZ)
    return()
  endif()
  add_executable(${name} ${F_SOURCES})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
endfunction()
