# WasmBuildBackend: native executables from WASI command modules, built by
# wasm-build-backend for the platform of the wheel being built.
#
# With scikit-build-core and `wasm-build-backend` in the build requirements, either of
#
#   find_package(WasmBuildBackend REQUIRED)
#   include(WasmBuildBackend)
#
# works with no path. Then:
#
#   wasm_add_executable(<name> MODULE <file.wasm>
#                       [ENGINE <engine>]
#                       [DIRS <HOST[::GUEST]>...]      # no values: no directory at all
#                       [ENV ALL | NONE | <variable>...]
#                       [DATA <guest>=<folder>...] [TMP <guest>]
#                       [MAX_MEMORY <size>] [TIMEOUT <seconds>]
#                       [INSTALL [DESTINATION <dir>]])
#   wasm_install_executable(<name> [DESTINATION <dir>])
#
# The options are those of a `[tool.wasm-build-backend.scripts.<name>]` table and are
# checked by the same code at configure time; ENGINE is auto (the default: wasm2c where
# it can build the module, else wasmtime), wasm2c or wasmtime. The build runs
# `python -m wasm_build_backend.integrations.cmake build`, which asks the backend's core
# for the executable and its companion files (the runtime library, data folders) and
# copies them unchanged into a staging folder. `wasm_install_executable` installs the
# executable into `${SKBUILD_SCRIPTS_DIR}` (the wheel's `.data/scripts/`) by default and
# its companion files into `${SKBUILD_DATA_DIR}/share/wasm-build-backend/<distribution>/`
# (the wheel's `data` scheme), where the executable looks for them, as in the backend's
# own wheels; outside scikit-build-core, `bin/` and `share/...` below the install prefix;
# with a DESTINATION, `share/...` beside that folder. Under scikit-build-core it also
# installs the licence texts of the code the executable carries (the runtime's, the C
# library's) into the wheel's `.dist-info/licenses/bundled/`.
#
# Cache variables, the backend's config settings (`-C cmake.define.NAME=VALUE`):
#   WASM_BUILD_BACKEND_TARGET        wheel platform tag (default: the platform
#                                    scikit-build-core builds for, cross builds included)
#   WASM_BUILD_BACKEND_PRECOMPILE    native, first-run or pulley
#   WASM_BUILD_BACKEND_RUNTIME       the target's Wasmtime runtime, for offline builds
#   WASM_BUILD_BACKEND_CACHE_DIR     the build cache
#   WASM_BUILD_BACKEND_DISTRIBUTION  names the companion folder (default:
#                                    SKBUILD_PROJECT_NAME, else PROJECT_NAME)
#   WASM_BUILD_BACKEND_PYTHON        the Python that has wasm-build-backend (default:
#                                    Python_EXECUTABLE, which scikit-build-core sets)

include_guard(GLOBAL)

if(CMAKE_VERSION VERSION_LESS 3.15)
  message(FATAL_ERROR "WasmBuildBackend needs CMake 3.15 or newer")
endif()

set(WASM_BUILD_BACKEND_TARGET "" CACHE STRING
    "Wheel platform tag the WASI executables are built for (default: the wheel's platform)")
set(WASM_BUILD_BACKEND_PRECOMPILE "" CACHE STRING
    "How executables carry their code: native, first-run or pulley (default: the best available)")
set(WASM_BUILD_BACKEND_RUNTIME "" CACHE STRING
    "The target's Wasmtime runtime for offline builds: a wasmtime wheel, a folder of wheels or a folder holding the library")
set(WASM_BUILD_BACKEND_CACHE_DIR "" CACHE STRING "The wasm-build-backend build cache")
set(WASM_BUILD_BACKEND_DISTRIBUTION "" CACHE STRING
    "The distribution name the companion folder is named after (default: SKBUILD_PROJECT_NAME)")

# The Python that runs the core: scikit-build-core's (it has the build requirements).
function(_wasm_build_backend_python out)
  if(WASM_BUILD_BACKEND_PYTHON)
    set(${out} "${WASM_BUILD_BACKEND_PYTHON}" PARENT_SCOPE)
  elseif(Python_EXECUTABLE)
    set(${out} "${Python_EXECUTABLE}" PARENT_SCOPE)
  elseif(Python3_EXECUTABLE)
    set(${out} "${Python3_EXECUTABLE}" PARENT_SCOPE)
  else()
    find_package(Python3 3.9 COMPONENTS Interpreter REQUIRED)
    set(${out} "${Python3_EXECUTABLE}" PARENT_SCOPE)
  endif()
endfunction()

# An empty folder to run Python in: `python -m` imports from its working directory first,
# where a project's own `wasmtime/` or `packaging/` folder would shadow the real ones.
function(_wasm_build_backend_workdir out)
  set(workdir "${CMAKE_BINARY_DIR}/CMakeFiles/wasm-build-backend")
  file(MAKE_DIRECTORY "${workdir}")
  set(${out} "${workdir}" PARENT_SCOPE)
endfunction()

# Runs the core at configure time. Its error goes to stderr as it is, one line, exactly
# as the PEP 517 backend prints it; then the configure step stops.
function(_wasm_build_backend_run out what)
  _wasm_build_backend_python(python)
  _wasm_build_backend_workdir(workdir)
  execute_process(
    COMMAND "${python}" -m wasm_build_backend.integrations.cmake ${ARGN}
    WORKING_DIRECTORY "${workdir}"
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
  )
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${what} failed: see the wasm-build-backend error above")
  endif()
  set(${out} "${output}" PARENT_SCOPE)
endfunction()

# The target and the names that follow from it, resolved once per build tree.
function(_wasm_build_backend_configure)
  get_property(done GLOBAL PROPERTY _WASM_BUILD_BACKEND_CONFIGURED)
  if(done)
    return()
  endif()
  set(distribution "${WASM_BUILD_BACKEND_DISTRIBUTION}")
  if(NOT distribution)
    if(SKBUILD_PROJECT_NAME)
      set(distribution "${SKBUILD_PROJECT_NAME}")
    else()
      set(distribution "${PROJECT_NAME}")
    endif()
  endif()
  _wasm_build_backend_run(output "WasmBuildBackend" configure
    "--target=${WASM_BUILD_BACKEND_TARGET}"
    "--distribution=${distribution}"
    "--system-name=${CMAKE_SYSTEM_NAME}"
    "--system-processor=${CMAKE_SYSTEM_PROCESSOR}"
    "--crosscompiling=${CMAKE_CROSSCOMPILING}"
    "--osx-architectures=${CMAKE_OSX_ARCHITECTURES}"
    "--osx-deployment-target=${CMAKE_OSX_DEPLOYMENT_TARGET}"
    "--compiler-target=${CMAKE_C_COMPILER_TARGET}"
  )
  foreach(key target exe_suffix)
    string(REGEX MATCH "(^|\n)${key}=([^\n]*)" _ "${output}")
    set_property(GLOBAL PROPERTY _WASM_BUILD_BACKEND_${key} "${CMAKE_MATCH_2}")
  endforeach()
  set_property(GLOBAL PROPERTY _WASM_BUILD_BACKEND_distribution "${distribution}")
  set_property(GLOBAL PROPERTY _WASM_BUILD_BACKEND_CONFIGURED TRUE)
  get_property(target GLOBAL PROPERTY _WASM_BUILD_BACKEND_target)
  message(STATUS "WasmBuildBackend: WASI executables are built for ${target}")
endfunction()

function(wasm_add_executable name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG
    "INSTALL"
    "MODULE;ENGINE;TMP;MAX_MEMORY;TIMEOUT;DESTINATION"
    "DIRS;ENV;DATA")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "wasm_add_executable(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  _wasm_build_backend_configure()
  foreach(key target exe_suffix distribution)
    get_property(${key} GLOBAL PROPERTY _WASM_BUILD_BACKEND_${key})
  endforeach()

  set(options
    "--name=${name}"
    "--list-file=${CMAKE_CURRENT_LIST_FILE}"
    "--source-dir=${CMAKE_CURRENT_SOURCE_DIR}"
    "--module=${ARG_MODULE}")
  if(DEFINED ARG_ENGINE)
    list(APPEND options "--engine=${ARG_ENGINE}")
  endif()
  if("DIRS" IN_LIST ARG_KEYWORDS_MISSING_VALUES)
    list(APPEND options "--no-dirs")
  endif()
  foreach(dir IN LISTS ARG_DIRS)
    list(APPEND options "--dir=${dir}")
  endforeach()
  if("ENV" IN_LIST ARG_KEYWORDS_MISSING_VALUES)
    list(APPEND options "--no-env")
  endif()
  foreach(var IN LISTS ARG_ENV)
    list(APPEND options "--env=${var}")
  endforeach()
  foreach(data IN LISTS ARG_DATA)
    list(APPEND options "--data=${data}")
  endforeach()
  foreach(key TMP MAX_MEMORY TIMEOUT)
    if(DEFINED ARG_${key})
      string(TOLOWER "${key}" option)
      string(REPLACE "_" "-" option "${option}")
      list(APPEND options "--${option}=${ARG_${key}}")
    endif()
  endforeach()
  _wasm_build_backend_run(_ "wasm_add_executable(${name})" check ${options})

  get_filename_component(module "${ARG_MODULE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(stage "${CMAKE_CURRENT_BINARY_DIR}/wasm-scripts/${name}")
  set(executable "${stage}/scripts/${name}${exe_suffix}")
  set(licenses "${CMAKE_CURRENT_BINARY_DIR}/wasm-licenses/${name}")
  set(build_options "--target=${target}" "--distribution=${distribution}" "--output-dir=${stage}"
    "--licenses-dir=${licenses}")
  foreach(key PRECOMPILE RUNTIME CACHE_DIR)
    if(WASM_BUILD_BACKEND_${key})
      string(TOLOWER "${key}" option)
      string(REPLACE "_" "-" option "${option}")
      list(APPEND build_options "--${option}=${WASM_BUILD_BACKEND_${key}}")
    endif()
  endforeach()
  set(depends "${module}")
  foreach(data IN LISTS ARG_DATA)
    string(REGEX REPLACE "^[^=]*=" "" folder "${data}")
    file(GLOB_RECURSE data_files CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*")
    list(APPEND depends ${data_files})
  endforeach()

  _wasm_build_backend_python(python)
  _wasm_build_backend_workdir(workdir)
  add_custom_command(
    OUTPUT "${executable}"
    COMMAND "${python}" -m wasm_build_backend.integrations.cmake build ${options} ${build_options}
    WORKING_DIRECTORY "${workdir}"
    DEPENDS ${depends}
    COMMENT "Building WASI executable ${name} for ${target}"
    VERBATIM
  )
  add_custom_target(${name} ALL DEPENDS "${executable}")
  set_target_properties(${name} PROPERTIES
    WASM_EXECUTABLE "${executable}"
    WASM_DATA_DIR "${stage}/data"
    WASM_LICENSES_DIR "${licenses}"
    WASM_TARGET "${target}")
  if(ARG_INSTALL)
    if(DEFINED ARG_DESTINATION)
      wasm_install_executable(${name} DESTINATION "${ARG_DESTINATION}")
    else()
      wasm_install_executable(${name})
    endif()
  elseif(DEFINED ARG_DESTINATION)
    message(FATAL_ERROR "wasm_add_executable(${name}): DESTINATION needs INSTALL")
  endif()
endfunction()

# Installs the executable, and its companion files in `share/wasm-build-backend/<dist>/`
# of the folder above it, where the executable looks for them
# (wasm_build_backend/distribution/layout.py): in a wheel, the scripts folder and the data scheme's root.
function(wasm_install_executable name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "DESTINATION" "")
  if(NOT TARGET ${name})
    message(FATAL_ERROR "wasm_install_executable(${name}): no wasm_add_executable(${name})")
  endif()
  if(NOT DEFINED ARG_DESTINATION AND DEFINED SKBUILD_SCRIPTS_DIR)
    set(ARG_DESTINATION "${SKBUILD_SCRIPTS_DIR}")
  endif()
  if(DEFINED SKBUILD_DATA_DIR AND "${ARG_DESTINATION}" STREQUAL "${SKBUILD_SCRIPTS_DIR}")
    set(destination "${SKBUILD_SCRIPTS_DIR}")
    set(data_root "${SKBUILD_DATA_DIR}")
  elseif(DEFINED ARG_DESTINATION)
    set(destination "${ARG_DESTINATION}")
    get_filename_component(data_root "${destination}" DIRECTORY)
    if(data_root STREQUAL "")
      set(data_root .)
    endif()
  else()
    set(destination bin)
    set(data_root .)
  endif()
  get_target_property(executable ${name} WASM_EXECUTABLE)
  get_target_property(data ${name} WASM_DATA_DIR)
  install(PROGRAMS "${executable}" DESTINATION "${destination}")
  install(DIRECTORY "${data}/" DESTINATION "${data_root}" USE_SOURCE_PERMISSIONS)
  # The licences of the code in the executable that is not the project's, where the
  # backend's own wheels keep them.
  if(DEFINED SKBUILD_METADATA_DIR)
    get_target_property(licenses ${name} WASM_LICENSES_DIR)
    install(DIRECTORY "${licenses}/" DESTINATION "${SKBUILD_METADATA_DIR}/licenses/bundled")
  endif()
endfunction()
