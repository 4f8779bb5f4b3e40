# Used in this source tree and, installed, by find_package(rlloss COMPONENTS plugin_kit).
set(RLLOSS_PLUGIN_EXPORTS_MAP ${CMAKE_CURRENT_LIST_DIR}/plugin_exports.map)
set(RLLOSS_REPLACE_FILE_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/RllossReplaceFile.cmake)
include(GNUInstallDirs)
if(NOT RLLOSS_INSTALL_PLUGIN_DIR)
  set(RLLOSS_INSTALL_PLUGIN_DIR ${CMAKE_INSTALL_LIBDIR}/rlloss/plugins)
endif()

# rlloss_add_plugin(<name> PLUGIN_SOURCES <files...> KERNEL_SOURCE <file> [CUDA_SOURCE <file.cu>]
#                   [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds lib<target>.so (target rlloss_<name>) from the plugin's sources plus its CPU kernel source
# compiled once per instruction set (generic x86-64, x86-64-v3 with AVX2, x86-64-v4 with AVX-512)
# for run-time dispatch, plus its CUDA kernel source when CUDA is enabled (the CUDA runtime is
# linked statically, so the plugin loads on machines without a driver). Only the entry symbol is
# exported. The library goes to OUTPUT_DIRECTORY (default: RLLOSS_PLUGIN_OUTPUT_DIR, else
# <build>/plugins) and installs into RLLOSS_INSTALL_PLUGIN_DIR (lib/rlloss/plugins).
# Out of tree, the CUDA source is built when the project has called enable_language(CUDA) and
# find_package(CUDAToolkit) and set RLLOSS_CUDA_ENABLED to ON.
function(rlloss_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "KERNEL_SOURCE;CUDA_SOURCE;OUTPUT_DIRECTORY"
                        "PLUGIN_SOURCES" ${ARGN})
  set(target rlloss_${name})
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY ${RLLOSS_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins)
  endif()
  add_library(${target} MODULE ${ARG_PLUGIN_SOURCES})
  if(ARG_CUDA_SOURCE AND RLLOSS_CUDA_ENABLED)
    target_sources(${target} PRIVATE ${ARG_CUDA_SOURCE})
    target_compile_definitions(${target} PRIVATE RLLOSS_WITH_CUDA)
    target_link_libraries(${target} PRIVATE CUDA::cudart_static)
    set_target_properties(${target} PROPERTIES CUDA_RUNTIME_LIBRARY Static
                                               CUDA_VISIBILITY_PRESET hidden)
  endif()
  set(isa_list generic)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    list(APPEND isa_list avx2 avx512)
    target_compile_definitions(${target} PRIVATE RLLOSS_HAVE_X86_ISA_KERNELS)
  endif()
  foreach(isa IN LISTS isa_list)
    set(kernel ${target}_kernel_${isa})
    add_library(${kernel} OBJECT ${ARG_KERNEL_SOURCE})
    target_link_libraries(${kernel} PRIVATE rlloss::plugin_kit OpenMP::OpenMP_CXX)
    target_compile_definitions(${kernel} PRIVATE RLLOSS_CPU_ISA=isa_${isa})
    target_include_directories(${kernel} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    set_target_properties(${kernel} PROPERTIES POSITION_INDEPENDENT_CODE ON
                                               CXX_VISIBILITY_PRESET hidden
                                               VISIBILITY_INLINES_HIDDEN ON)
    if(isa STREQUAL "avx2")
      target_compile_options(${kernel} PRIVATE -march=x86-64-v3)
    elseif(isa STREQUAL "avx512")
      target_compile_options(${kernel} PRIVATE -march=x86-64-v4 -mprefer-vector-width=512)
    endif()
    # -fno-trapping-math lets the vectoriser compute both arms of a select (the kernels never read
    # the floating-point exception flags); without it GCC vectorises the fused loop only where
    # AVX-512 masked instructions exist. It changes no result: NaN, inf and signed zeros keep
    # IEEE semantics (unlike -ffast-math, which would break the masking of NaN).
    target_compile_options(${kernel} PRIVATE -O3 -fno-trapping-math)
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${kernel}>)
  endforeach()
  target_link_libraries(${target} PRIVATE rlloss::plugin_kit OpenMP::OpenMP_CXX)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # std:: templates have default visibility; the version script keeps them in, too.
  target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL
                      -Wl,--version-script=${RLLOSS_PLUGIN_EXPORTS_MAP})
  # clang's sanitizer runtime lives in the executable: a sanitized plugin leaves its symbols open.
  if(NOT (RLLOSS_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang"))
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${RLLOSS_PLUGIN_EXPORTS_MAP})
  if(ARG_CUDA_SOURCE AND TARGET rlloss_interp_device)
    rlloss_add_interpreted_variant(${target} "${ARG_PLUGIN_SOURCES}" ${ARG_CUDA_SOURCE}
                                   "${isa_list}")
  endif()
  if(NOT ARG_NO_INSTALL)  # test plugins are never installed
    # Not install(TARGETS): CMake rewrites an existing file in place.
    install(CODE "set(RLLOSS_SOURCE_FILE \"$<TARGET_FILE:${target}>\")
                  set(RLLOSS_DESTINATION_DIR \"${RLLOSS_INSTALL_PLUGIN_DIR}\")
                  include(\"${RLLOSS_REPLACE_FILE_SCRIPT}\")")
  endif()
endfunction()

# For the tests only (never installed): lib<target>.so in RLLOSS_INTERP_PLUGIN_OUTPUT_DIR, the same
# plugin with its CUDA kernel source compiled as C++ against the interpreted device
# (tests/interp/), which it presents as cuda:0. The CPU kernels are the shipped plugin's objects.
function(rlloss_add_interpreted_variant target plugin_sources cuda_source isa_list)
  set(interp ${target}_interp)
  get_filename_component(cuda_path ${cuda_source} ABSOLUTE)
  set(wrapper ${CMAKE_CURRENT_BINARY_DIR}/${interp}_kernel.cpp)
  file(GENERATE OUTPUT ${wrapper} CONTENT "// Generated: ${cuda_source} compiled as C++ for the interpreted device.\n#include \"${cuda_path}\"\n")
  add_library(${interp} MODULE ${plugin_sources} ${wrapper})
  foreach(isa IN LISTS isa_list)
    target_sources(${interp} PRIVATE $<TARGET_OBJECTS:${target}_kernel_${isa}>)
  endforeach()
  target_compile_definitions(${interp} PRIVATE RLLOSS_WITH_CUDA)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    target_compile_definitions(${interp} PRIVATE RLLOSS_HAVE_X86_ISA_KERNELS)
  endif()
  target_include_directories(${interp} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${interp} PRIVATE rlloss_interp_device rlloss::plugin_kit
                                          OpenMP::OpenMP_CXX)
  set_target_properties(${interp} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY ${RLLOSS_INTERP_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${interp} PRIVATE -Wl,--exclude-libs,ALL
                      -Wl,--version-script=${RLLOSS_PLUGIN_EXPORTS_MAP})
endfunction()
