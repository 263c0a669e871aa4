# Warnings and sanitizers, applied to every target of the project (not to dependencies).
add_compile_options(-Wall -Wextra -Wpedantic -Wno-unused-parameter)
# GCC 12 reports false -Wrestrict positives inside std::string at -O3 (GCC bug 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-restrict)
endif()
if(FORESIGHT_WERROR)
  add_compile_options(-Werror)
endif()
if(FORESIGHT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(FORESIGHT_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# foresight_test(NAME SOURCES... [LIBS ...] [LABELS ...]): a GoogleTest binary registered with ctest.
function(foresight_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE FORESIGHT_SHARED_DIR="${FORESIGHT_SHARED_DIR}")
  set(props ENVIRONMENT "FORESIGHT_SHARED_DIR=${FORESIGHT_SHARED_DIR}")
  if(T_LABELS)  # an empty LABELS value would swallow the next property name
    list(APPEND props LABELS "${T_LABELS}")
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${props})
endfunction()

# foresight_bench(NAME SOURCES... LIBS ...): a Google Benchmark binary (not run by ctest).
function(foresight_bench name)
  cmake_parse_arguments(B "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${B_SOURCES} ${B_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${B_LIBS} benchmark::benchmark)
  target_compile_definitions(${name} PRIVATE FORESIGHT_SHARED_DIR="${FORESIGHT_SHARED_DIR}")
endfunction()

# Adds every immediate subfolder of the current folder that has a CMakeLists.txt, so that each module
# (e.g. storage/wal, storage/encoding) owns its own build file.
function(foresight_add_subdirs)
  file(GLOB children RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child IN LISTS children)
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child} AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
