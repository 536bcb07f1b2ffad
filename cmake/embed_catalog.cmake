#  cmake -DROOT=catalogue.json -DDIR=catalogue.d -DOUT=file.c -P embed_catalog.cmake
#  Embeds `[ROOT, DIR/a.json, DIR/b.json, ...]` as the C string as_catalog_json.
file(GLOB fragments "${DIR}/*.json")
list(SORT fragments)
file(READ "${ROOT}" text)
set(merged "[${text}")
foreach(path ${fragments})
  file(READ "${path}" text)
  string(APPEND merged ",${text}")
endforeach()
string(APPEND merged "]")
file(WRITE "${OUT}.json" "${merged}")
execute_process(COMMAND ${CMAKE_COMMAND} -DIN=${OUT}.json -DOUT=${OUT} -DNAME=as_catalog_json
                -P ${CMAKE_CURRENT_LIST_DIR}/embed.cmake RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embedding the catalogue failed")
endif()
