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
  # An empty LABELS value would shift the property list that follows it; label by name instead.
  if(NOT T_LABELS)
    set(T_LABELS ${name})
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
  # tools/fuzz.sh reads this list to know what to build and run.
  file(APPEND ${CMAKE_BINARY_DIR}/fuzzers.txt "${name}\n")
endfunction()

# edgeface_pytest(NAME FILE [TIMEOUT s]): a Python unittest file run by Debian's /usr/bin/python3
# (with boto3 1.26 and /usr/bin/aws beside it), for tests where a real AWS client is the point.
# PYTHONPATH holds src/cloud/testing, where the harness that starts a real `edgeface cloud` lives.
function(edgeface_pytest name file)
  cmake_parse_arguments(P "" "TIMEOUT" "LABELS" ${ARGN})
  if(NOT EDGEFACE_TESTS)
    return()
  endif()
  if(NOT P_TIMEOUT)
    set(P_TIMEOUT 600)
  endif()
  if(NOT P_LABELS)
    set(P_LABELS ${name})
  endif()
  get_filename_component(abs ${file} ABSOLUTE)
  get_filename_component(dir ${abs} DIRECTORY)
  get_filename_component(mod ${abs} NAME_WE)
  add_test(NAME ${name} COMMAND /usr/bin/python3 -m unittest -v ${mod} WORKING_DIRECTORY ${dir})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${P_TIMEOUT} LABELS "${P_LABELS}"
    ENVIRONMENT "EDGEFACE_BIN=${CMAKE_BINARY_DIR}/bin/edgeface;EDGEFACE_ROOT=${CMAKE_SOURCE_DIR};PYTHONPATH=${CMAKE_SOURCE_DIR}/src/cloud/testing;AWS_PAGER=;AWS_EC2_METADATA_DISABLED=true;PYTHONDONTWRITEBYTECODE=1")
endfunction()
