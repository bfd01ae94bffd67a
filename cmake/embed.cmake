# embed(<file> <symbol> <out.c>): the file's bytes as a NUL-terminated C
# array, so a built-in text (the demo study) travels inside the binary.
function(mrv_embed file symbol out)
  file(READ ${file} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  file(WRITE ${out}.tmp "/* generated from ${file} */\nconst char ${symbol}[] = {${bytes}0x00};\n")
  file(COPY_FILE ${out}.tmp ${out} ONLY_IF_DIFFERENT)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
endfunction()
