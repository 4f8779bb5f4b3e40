# Install-time script: puts RLLOSS_SOURCE_FILE into RLLOSS_DESTINATION_DIR (relative to the install
# prefix) by copying it to a temporary name in that folder and renaming it over the old file.
# A plugin that a running trainer has mapped must never be rewritten in place (the process
# crashes on its next call into it); a rename leaves the old inode intact for whoever holds it.
get_filename_component(name "${RLLOSS_SOURCE_FILE}" NAME)
set(dir "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${RLLOSS_DESTINATION_DIR}")
file(MAKE_DIRECTORY "${dir}")
set(temporary "${dir}/.${name}.installing")
message(STATUS "Installing: ${dir}/${name} (a new file renamed over the old one)")
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy "${RLLOSS_SOURCE_FILE}" "${temporary}"
                RESULT_VARIABLE copied)
if(NOT copied EQUAL 0)
  file(REMOVE "${temporary}")
  message(FATAL_ERROR "cannot copy ${RLLOSS_SOURCE_FILE} to ${temporary}")
endif()
file(RENAME "${temporary}" "${dir}/${name}")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${dir}/${name}")
