# embed.cmake - turn a file into a C byte array (cmake -DIN=FILE -DOUT=FILE.c -DNAME=ident -P).
# Used for results.schema.json, so that `validate --results` checks against the schema of the
# build that runs it, with no file to find at run time.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# one line per 16 bytes, so that the generated file stays readable in a debugger
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " bytes "${bytes}")
get_filename_component(base "${IN}" NAME)
file(WRITE "${OUT}.tmp"
     "/* generated from ${base} by embed.cmake: do not edit */\n"
     "#include <stddef.h>\n\n"
     "extern const char ${NAME}[];\n"
     "extern const size_t ${NAME}_len;\n"
     "const char ${NAME}[] = {\n    ${bytes}0x00};\n"
     "const size_t ${NAME}_len = sizeof(${NAME}) - 1;\n")
file(RENAME "${OUT}.tmp" "${OUT}")
