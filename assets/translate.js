// bpmn-js's translate service, overridden the documented way (a module providing
// `translate: ['value', customTranslate]`): the palette, the context pad and the replace menu speak Thai
// on a Thai page (<html lang="th">) and stay English otherwise. Words follow the properties panel:
// lane = ช่องทำงาน, task = งาน, gateway = ทางแยก, sequence flow = เส้นทาง.
// Every string is from bpmn-js's PaletteProvider, ContextPadProvider, ReplaceMenuProvider, PopupEntries
// and ReplaceOptions; tests/browser/test_modeler.py checks that no English title is left in the palette.

export const THAI = {
  // palette
  'Activate hand tool': 'เครื่องมือมือจับ (เลื่อนแผนภาพ)',
  'Activate lasso tool': 'เครื่องมือบ่วง (เลือกหลายองค์ประกอบ)',
  'Activate create/remove space tool': 'เครื่องมือเพิ่ม/ลดระยะห่าง',
  'Activate global connect tool': 'เครื่องมือลากเส้นเชื่อม',
  'Create start event': 'สร้างเหตุการณ์เริ่มต้น',
  'Create intermediate/boundary event': 'สร้างเหตุการณ์ระหว่างทาง/ขอบงาน',
  'Create end event': 'สร้างเหตุการณ์สิ้นสุด',
  'Create gateway': 'สร้างทางแยก',
  'Create task': 'สร้างงาน',
  'Create data object reference': 'สร้างการอ้างอิงวัตถุข้อมูล',
  'Create data store reference': 'สร้างการอ้างอิงแหล่งเก็บข้อมูล',
  'Create expanded sub-process': 'สร้างกระบวนงานย่อย (แบบขยาย)',
  'Create pool/participant': 'สร้างพูล/ผู้มีส่วนร่วม',
  'Create group': 'สร้างกลุ่ม',
  'Search in diagram': 'ค้นหาในแผนภาพ',
  // context pad
  'Add lane above': 'เพิ่มช่องทำงานด้านบน',
  'Add lane below': 'เพิ่มช่องทำงานด้านล่าง',
  'Divide into two lanes': 'แบ่งเป็นสองช่องทำงาน',
  'Divide into three lanes': 'แบ่งเป็นสามช่องทำงาน',
  'Add text annotation': 'เพิ่มหมายเหตุ',
  'Append end event': 'ต่อด้วยเหตุการณ์สิ้นสุด',
  'Append gateway': 'ต่อด้วยทางแยก',
  'Append task': 'ต่อด้วยงาน',
  'Append intermediate/boundary event': 'ต่อด้วยเหตุการณ์ระหว่างทาง',
  'Append receive task': 'ต่อด้วยงานรอรับข้อความ',
  'Append message intermediate catch event': 'ต่อด้วยเหตุการณ์รอรับข้อความ',
  'Append timer intermediate catch event': 'ต่อด้วยเหตุการณ์รอเวลา',
  'Append conditional intermediate catch event': 'ต่อด้วยเหตุการณ์รอเงื่อนไข',
  'Append signal intermediate catch event': 'ต่อด้วยเหตุการณ์รอรับสัญญาณ',
  'Append compensation activity': 'ต่อด้วยกิจกรรมชดเชย',
  'Change element': 'เปลี่ยนชนิดองค์ประกอบ',
  'Connect to other element': 'เชื่อมกับองค์ประกอบอื่น',
  'Connect using association': 'เชื่อมด้วยเส้นความสัมพันธ์',
  'Connect using data input association': 'เชื่อมเป็นข้อมูลนำเข้า',
  Delete: 'ลบ',
  // replace menu: events
  'Start event': 'เหตุการณ์เริ่มต้น',
  'Intermediate throw event': 'เหตุการณ์ระหว่างทาง (ส่ง)',
  'End event': 'เหตุการณ์สิ้นสุด',
  'Boundary event': 'เหตุการณ์ขอบงาน',
  'Message start event': 'เหตุการณ์เริ่มต้นด้วยข้อความ',
  'Timer start event': 'เหตุการณ์เริ่มต้นตามเวลา',
  'Conditional start event': 'เหตุการณ์เริ่มต้นตามเงื่อนไข',
  'Signal start event': 'เหตุการณ์เริ่มต้นด้วยสัญญาณ',
  'Error start event': 'เหตุการณ์เริ่มต้นเมื่อเกิดข้อผิดพลาด',
  'Escalation start event': 'เหตุการณ์เริ่มต้นเมื่อส่งเรื่องขึ้น',
  'Compensation start event': 'เหตุการณ์เริ่มต้นการชดเชย',
  'Message start event (non-interrupting)': 'เหตุการณ์เริ่มต้นด้วยข้อความ (ไม่ขัดจังหวะ)',
  'Timer start event (non-interrupting)': 'เหตุการณ์เริ่มต้นตามเวลา (ไม่ขัดจังหวะ)',
  'Conditional start event (non-interrupting)': 'เหตุการณ์เริ่มต้นตามเงื่อนไข (ไม่ขัดจังหวะ)',
  'Signal start event (non-interrupting)': 'เหตุการณ์เริ่มต้นด้วยสัญญาณ (ไม่ขัดจังหวะ)',
  'Escalation start event (non-interrupting)': 'เหตุการณ์เริ่มต้นเมื่อส่งเรื่องขึ้น (ไม่ขัดจังหวะ)',
  'Message intermediate catch event': 'เหตุการณ์รอรับข้อความ',
  'Message intermediate throw event': 'เหตุการณ์ส่งข้อความ',
  'Timer intermediate catch event': 'เหตุการณ์รอเวลา',
  'Escalation intermediate throw event': 'เหตุการณ์ส่งเรื่องขึ้น',
  'Conditional intermediate catch event': 'เหตุการณ์รอเงื่อนไข',
  'Link intermediate catch event': 'เหตุการณ์รับทางเชื่อม',
  'Link intermediate throw event': 'เหตุการณ์ส่งทางเชื่อม',
  'Compensation intermediate throw event': 'เหตุการณ์ส่งการชดเชย',
  'Signal intermediate catch event': 'เหตุการณ์รอรับสัญญาณ',
  'Signal intermediate throw event': 'เหตุการณ์ส่งสัญญาณ',
  'Message end event': 'เหตุการณ์สิ้นสุดด้วยข้อความ',
  'Escalation end event': 'เหตุการณ์สิ้นสุดด้วยการส่งเรื่องขึ้น',
  'Error end event': 'เหตุการณ์สิ้นสุดด้วยข้อผิดพลาด',
  'Cancel end event': 'เหตุการณ์สิ้นสุดด้วยการยกเลิก',
  'Compensation end event': 'เหตุการณ์สิ้นสุดด้วยการชดเชย',
  'Signal end event': 'เหตุการณ์สิ้นสุดด้วยสัญญาณ',
  'Terminate end event': 'เหตุการณ์ยุติทั้งกระบวนงาน',
  'Message boundary event': 'เหตุการณ์ขอบงาน: ข้อความ',
  'Timer boundary event': 'เหตุการณ์ขอบงาน: เวลา',
  'Escalation boundary event': 'เหตุการณ์ขอบงาน: ส่งเรื่องขึ้น',
  'Conditional boundary event': 'เหตุการณ์ขอบงาน: เงื่อนไข',
  'Error boundary event': 'เหตุการณ์ขอบงาน: ข้อผิดพลาด',
  'Cancel boundary event': 'เหตุการณ์ขอบงาน: ยกเลิก',
  'Signal boundary event': 'เหตุการณ์ขอบงาน: สัญญาณ',
  'Compensation boundary event': 'เหตุการณ์ขอบงาน: ชดเชย',
  'Message boundary event (non-interrupting)': 'เหตุการณ์ขอบงาน: ข้อความ (ไม่ขัดจังหวะ)',
  'Timer boundary event (non-interrupting)': 'เหตุการณ์ขอบงาน: เวลา (ไม่ขัดจังหวะ)',
  'Escalation boundary event (non-interrupting)': 'เหตุการณ์ขอบงาน: ส่งเรื่องขึ้น (ไม่ขัดจังหวะ)',
  'Conditional boundary event (non-interrupting)': 'เหตุการณ์ขอบงาน: เงื่อนไข (ไม่ขัดจังหวะ)',
  'Signal boundary event (non-interrupting)': 'เหตุการณ์ขอบงาน: สัญญาณ (ไม่ขัดจังหวะ)',
  'Toggle non-interrupting': 'สลับแบบขัดจังหวะ/ไม่ขัดจังหวะ',
  // replace menu: gateways
  'Exclusive gateway': 'ทางแยกเลือกหนึ่งทาง',
  'Parallel gateway': 'ทางแยกคู่ขนาน',
  'Inclusive gateway': 'ทางแยกเลือกได้หลายทาง',
  'Complex gateway': 'ทางแยกแบบซับซ้อน',
  'Event-based gateway': 'ทางแยกตามเหตุการณ์',
  'Event based instantiating Gateway': 'ทางแยกตามเหตุการณ์ที่เริ่มกระบวนงาน',
  'Parallel Event based instantiating Gateway': 'ทางแยกตามเหตุการณ์คู่ขนานที่เริ่มกระบวนงาน',
  // replace menu: tasks and sub-processes
  Task: 'งานทั่วไป',
  'User task': 'งานของผู้ใช้',
  'Service task': 'งานบริการ (อัตโนมัติ)',
  'Send task': 'งานส่งข้อความ',
  'Receive task': 'งานรอรับข้อความ',
  'Manual task': 'งานที่ทำนอกระบบ',
  'Business rule task': 'งานตามกฎทางธุรกิจ',
  'Script task': 'งานสคริปต์',
  'Call activity': 'เรียกกระบวนงานอื่น',
  Transaction: 'ธุรกรรม',
  'Sub-process': 'กระบวนงานย่อย',
  'Sub-process (collapsed)': 'กระบวนงานย่อย (แบบย่อ)',
  'Sub-process (expanded)': 'กระบวนงานย่อย (แบบขยาย)',
  'Ad-hoc sub-process': 'กระบวนงานย่อยแบบไม่กำหนดลำดับ',
  'Ad-hoc sub-process (collapsed)': 'กระบวนงานย่อยแบบไม่กำหนดลำดับ (แบบย่อ)',
  'Ad-hoc sub-process (expanded)': 'กระบวนงานย่อยแบบไม่กำหนดลำดับ (แบบขยาย)',
  'Event sub-process': 'กระบวนงานย่อยตามเหตุการณ์',
  'Parallel multi-instance': 'ทำหลายชุดพร้อมกัน',
  'Sequential multi-instance': 'ทำหลายชุดตามลำดับ',
  Loop: 'ทำซ้ำ',
  // replace menu: flows, data, pools
  'Sequence flow': 'เส้นทาง',
  'Default flow': 'เส้นทางปกติ',
  'Conditional flow': 'เส้นทางมีเงื่อนไข',
  'Data object reference': 'การอ้างอิงวัตถุข้อมูล',
  'Data store reference': 'การอ้างอิงแหล่งเก็บข้อมูล',
  Collection: 'ชุดข้อมูล (หลายรายการ)',
  'Expanded pool/participant': 'พูล/ผู้มีส่วนร่วม (แบบขยาย)',
  'Empty pool/participant': 'พูล/ผู้มีส่วนร่วมเปล่า',
  'Empty pool/participant (removes content)': 'พูล/ผู้มีส่วนร่วมเปล่า (ลบเนื้อหาข้างใน)',
  'Participant multiplicity': 'ผู้มีส่วนร่วมหลายราย',
};

/**
 * A bpmn-js translate function: Thai from THAI on a Thai page, then `extra` (the page's own words, e.g.
 * the lint button's, already in the page language), else the English template; `{name}` placeholders are
 * filled from `replacements` as bpmn-js's own translate does.
 */
export function makeTranslate(lang, extra = {}) {
  const thai = /^th\b/i.test(lang || '');
  return function customTranslate(template, replacements = {}) {
    const text = (thai && THAI[template]) || extra[template] || template;
    return text.replace(/{([^}]+)}/g, (_, key) => (key in replacements ? replacements[key] : `{${key}}`));
  };
}

export const translateModule = (lang, extra) => ({ translate: ['value', makeTranslate(lang, extra)] });
